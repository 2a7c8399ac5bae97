# Fault latency distribution per fetch mode at one sweep point, for scripts/plot (kind cdf).
# Variables: datafile (one block per mode: "latency_us fraction", the empirical CDF at the
# upper edges of the latency histogram's buckets, from runs[].fault_latency_us.cdf; or, when
# the results have no "cdf", steps through p50, p99 and max), meanfile (one block per mode:
# "mean fraction"), modes, note (empty, or why the curve is only quantile steps), xlog (1: log
# x axis), titletext, caption.
if (strlen(titletext) > 0) set title titletext noenhanced font ",13"
if (strlen(note) > 0) {
    set tmargin 4
    set label 2 note at graph 0, graph 1.03 left noenhanced font ",9" textcolor rgb "#aa3300"
    set xrange [0:*]
}
set xlabel "fault latency (µs)"
set ylabel "fraction of faults ≤ latency"
set yrange [0:1.05]
set ytics 0, 0.1, 1
if (xlog) {
    set logscale x
    set autoscale xfix
    set xtics 1, 2 format "%g"
    set mxtics 2
    set offsets graph 0.03, graph 0.03, 0, 0
    set xlabel "fault latency (µs, log scale)"
}
set grid lc rgb "#dddddd"
set key bottom right noenhanced
if (strlen(caption) > 0) set label 1 caption at screen 0.01, screen 0.02 left noenhanced font ",8" textcolor rgb "#555555"
set bmargin 5
plot for [i=1:words(modes)] datafile index i-1 using 1:2 with steps lw 2 lc i title word(modes, i), \
     for [i=1:words(modes)] meanfile index i-1 using 1:2 with points pt 12 ps 2 lc i title "mean ".word(modes, i)
