# Bytes per fault and fault latency per fetch mode, for scripts/plot (kind bars).
# Variables: datafile (label bytes_per_fault lat_mean_us lat_p99_us), glab, titletext,
# caption.
if (strlen(titletext) > 0) {
    set multiplot layout 1,2 title titletext noenhanced font ",13"
} else {
    set multiplot layout 1,2
}
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border rgb "#333333"
set boxwidth 0.9 relative
set grid ytics lc rgb "#dddddd"
set xtics nomirror scale 0 noenhanced rotate by -45
set key top left noenhanced
# one label under both panels: what the bars' names are made of
set label 3 glab at screen 0.5, character 2.3 center noenhanced
set bmargin 9
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0   # room above the bars for the key
stats datafile using 0 nooutput
set xrange [-0.6:STATS_records - 0.4]
set ylabel "payload fetched per fault (bytes)"
plot datafile using 2:xtic(1) title "payload per fault" lc rgb "#4477aa"
set ylabel "fault latency (µs)"
if (strlen(caption) > 0) set label 1 caption at screen 0.01, screen 0.02 left noenhanced font ",8" textcolor rgb "#555555"
plot datafile using 3:xtic(1) title "mean" lc rgb "#66ccee", \
     datafile using 4 title "p99" lc rgb "#ee6677"
unset multiplot
