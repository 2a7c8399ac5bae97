# Control-plane calls and blocked time per allocator (trace), for scripts/plot (kind ctrl).
# Variables: datafile (name calls blocked_ms; "?" where missing), note, xlab, caption.
set multiplot layout 1,2 title "control-plane work per allocator" font ",13"
set style data histograms
set style fill solid 0.85 border rgb "#333333"
set boxwidth 0.8 relative
set grid ytics lc rgb "#dddddd"
set xtics nomirror scale 0 noenhanced rotate by -20
set xlabel xlab noenhanced
set bmargin 7
set yrange [0:*]
set datafile missing "?"
set ylabel (exists("ylab_calls") ? ylab_calls : "control-plane calls")
plot datafile using 2:xtic(1) notitle lc rgb "#4477aa"
set ylabel "time blocked in the control plane (ms)"
if (note ne "") set label 2 note at screen 0.01, screen 0.06 left noenhanced font ",8" textcolor rgb "#aa3377"
set label 1 caption at screen 0.01, screen 0.02 left noenhanced font ",8" textcolor rgb "#555555"
blocked_ok = system("awk '$3 != \"?\"' '" . datafile . "' | wc -l") + 0
if (blocked_ok > 0) {
  plot datafile using 3:xtic(1) notitle lc rgb "#ee6677"
} else {
  set yrange [0:1]
  unset xtics; unset ytics
  set label 3 "not in the results yet" at graph 0.5, graph 0.5 center
  plot 2 notitle
}
unset multiplot
