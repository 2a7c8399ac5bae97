# One metric against one axis, a line per fetch mode and value of every other axis, for
# scripts/plot (kind lines). Variables: datafile (gnuplot blocks, one per series, "x y"),
# titles (array, one per block), xlab, ylab, titletext, caption.
if (strlen(titletext) > 0) set title titletext noenhanced font ",13"
set xlabel xlab noenhanced
set ylabel ylab noenhanced
set grid lc rgb "#dddddd"
set key top right noenhanced
if (strlen(caption) > 0) set label 1 caption at screen 0.01, screen 0.02 left noenhanced font ",8" textcolor rgb "#555555"
set bmargin 5
set yrange [0:*]
plot for [i=1:|titles|] datafile index i-1 using 1:2 with linespoints lw 2 pt 7 title titles[i]
