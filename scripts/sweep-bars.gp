# Bytes per fault and fault latency per fetch mode, for scripts/plot (kind bars).
# Variables: datafile (label bytes_per_fault lat_mean_us lat_p99_us), glab, caption.
set multiplot layout 1,2 title "bytes moved and latency per fault" font ",13"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border rgb "#333333"
set boxwidth 0.9 relative
set grid ytics lc rgb "#dddddd"
set xtics nomirror scale 0 noenhanced rotate by -20
set key top left noenhanced
set xlabel glab noenhanced
set bmargin 7
set yrange [0:*]
set ylabel "bytes fetched per fault (bytes)"
plot datafile using 2:xtic(1) title "payload per fault" lc rgb "#4477aa"
set ylabel "fault latency (µs)"
set label 1 caption at screen 0.01, screen 0.02 left noenhanced font ",8" textcolor rgb "#555555"
plot datafile using 3:xtic(1) title "mean" lc rgb "#66ccee", \
     datafile using 4 title "p99" lc rgb "#ee6677"
unset multiplot
