# One metric against one axis, a line per fetch mode, for scripts/plot (kind lines).
# Variables: datafile (gnuplot blocks, one per mode, "x y"), modes, xlab, ylab, caption.
set title ylab noenhanced font ",13"
set xlabel xlab noenhanced
set ylabel ylab noenhanced
set grid lc rgb "#dddddd"
set key top right noenhanced
set label 1 caption at screen 0.01, screen 0.02 left noenhanced font ",8" textcolor rgb "#555555"
set bmargin 5
set yrange [0:*]
plot for [i=1:words(modes)] datafile index i-1 using 1:2 with linespoints lw 2 pt 7 title word(modes, i)
