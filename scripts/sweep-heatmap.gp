# Heat map for scripts/plot (kind heatmap). Variables set first: datafile (ix iy z label
# textcolour), xlab, ylab, zlab, titletext, caption, nx, ny, cbmin, cbmax, diverging,
# xtics/ytics (set by the caller), terminal and output. Every name is set noenhanced: keys
# and values keep their underscores.
if (strlen(titletext) > 0) set title titletext noenhanced font ",13"
set xlabel xlab noenhanced
set ylabel ylab noenhanced
set cblabel zlab noenhanced
set xtics noenhanced
set ytics noenhanced
if (strlen(caption) > 0) set label 1 caption at screen 0.01, screen 0.02 left noenhanced font ",8" textcolor rgb "#555555"
set bmargin 5
set xrange [-0.5:nx - 0.5]
set yrange [-0.5:ny - 0.5]
set tics scale 0
set datafile missing "?"
# A ratio (sg/4k): blue below 1, white at 1, red above, on a range centred on 1 whatever the
# data (the caller makes cbmin, cbmax symmetric about 1). Anything else: light to dark.
if (diverging) {
    set palette defined (0 "#2166ac", 0.25 "#92c5de", 0.5 "#f7f7f7", 0.75 "#f4a582", 1 "#b2182b")
} else {
    set palette defined (0 "#f7fbff", 0.5 "#6baed6", 1 "#08306b")
}
set cbrange [cbmin:cbmax]
plot datafile using 1:2:3 with image notitle, \
     datafile using 1:2:4:5 with labels textcolor rgb variable font ",9" notitle
