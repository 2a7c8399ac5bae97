# Heat map for scripts/plot (kind heatmap). Variables set first: datafile (ix iy z label),
# xlab, ylab, zlab, caption, nx, ny, xtics/ytics (set by the caller), terminal and output.
set title zlab noenhanced font ",13"
set xlabel xlab noenhanced
set ylabel ylab noenhanced
set cblabel zlab noenhanced
set label 1 caption at screen 0.01, screen 0.02 left noenhanced font ",8" textcolor rgb "#555555"
set bmargin 5
set xrange [-0.5:nx - 0.5]
set yrange [-0.5:ny - 0.5]
set tics scale 0
set palette defined (0 "#2166ac", 0.5 "#f7f7f7", 1 "#b2182b")
# centre the colour scale on 1 (sg/4k equal) when the data straddle it
stats datafile using 3 nooutput
lo = STATS_min; hi = STATS_max
if (lo < 1 && hi > 1) { d = (1 - lo > hi - 1) ? 1 - lo : hi - 1; set cbrange [1 - d:1 + d] }
plot datafile using 1:2:3 with image notitle, \
     datafile using 1:2:4 with labels font ",9" notitle
