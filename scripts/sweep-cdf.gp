# Fault latency distribution per fetch mode at one sweep point, for scripts/plot (kind cdf).
# Variables: datafile (one block per mode: "latency_us fraction" steps through p50, p99,
# max), meanfile (mode index, mean latency), modes, caption.
# The results carry only p50, p99 and max, so the curve is a lower bound stepping through
# those quantiles, not the full distribution.
set title "fault latency CDF (steps at p50, p99, max; diamonds: mean)" font ",13"
set xlabel "fault latency (µs)"
set ylabel "fraction of faults ≤ latency"
set yrange [0:1.05]
set xrange [0:*]
set grid lc rgb "#dddddd"
set key bottom right noenhanced
set label 1 caption at screen 0.01, screen 0.02 left noenhanced font ",8" textcolor rgb "#555555"
set bmargin 5
plot for [i=1:words(modes)] datafile index i-1 using 1:2 with lines lw 2 lc i title word(modes, i), \
     for [i=1:words(modes)] meanfile index i-1 using 1:(0.5) with points pt 12 ps 2 lc i title "mean ".word(modes, i)
