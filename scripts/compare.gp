# Grouped bar chart for scripts/plot-compare. Expects these variables to be set first:
#   datafile  one line per metric: "label" then, per mode, ratio and "bar label"
#   nmodes    number of modes (columns of bars)
#   nmetrics  number of metrics (clusters)
#   modes     the mode names, space separated
#   basemode  the mode everything is relative to (the first one)
#   caption   a line of text under the chart
#   ymax      top of the y range
# and the terminal and output (scripts/lib.sh, fig_draw).

set title sprintf("mindsim: fetch modes relative to %s (lower is better)", basemode) noenhanced font "sans,13"
set ylabel sprintf("relative to %s", basemode) noenhanced
set label 1 caption at screen 0.01, screen 0.025 left noenhanced font "sans,9" textcolor rgb "#555555"
set bmargin 4

set style data histograms
gap = 1
set style histogram clustered gap 1
set style fill solid 0.85 border rgb "#333333"
set boxwidth 0.95 relative
set yrange [0:ymax]
set xrange [-0.6:nmetrics - 0.4]
set grid ytics lc rgb "#dddddd"
set xtics nomirror scale 0 noenhanced font "sans,9"
set ytics nomirror
set key top right horizontal noenhanced
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "#888888"

palette = "#4c72b0 #dd8452 #55a868 #c44e52 #8172b3 #937860"
colour(i) = word(palette, (i - 1) % words(palette) + 1)
# x position of mode i's bar in the cluster of row r (clustered histogram geometry)
barx(r, i) = r + (i - 1 - (nmodes - 1) / 2.0) / (nmodes + gap)

plot for [i=1:nmodes] datafile using (column(2 * i)):xtic(1) \
       title word(modes, i) lc rgb colour(i), \
     for [i=1:nmodes] datafile using (barx($0, i)):(column(2 * i)):(stringcolumn(2 * i + 1)) \
       with labels center offset 0, 0.7 font "sans,8" notitle
