# Control-plane calls and time blocked per value of an axis (an allocator's trace, say), a bar
# per fetch mode, for scripts/plot (kind ctrl). Variables: datafile (name, then calls per
# mode, then blocked ms per mode; "?" where missing), modes, xlab, ylab_calls, ylab_blocked,
# titletext, caption.
nm = words(modes)
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
set xtics nomirror scale 0 noenhanced rotate by -20
set key top right noenhanced
# one label under both panels: what the bars' names are
set label 3 xlab at screen 0.5, character 2.3 center noenhanced
set bmargin 7
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0   # room above the bars for the key
stats datafile using 0 nooutput
set xrange [-0.6:STATS_records - 0.4]
set datafile missing "?"
palette = "#4477aa #ee6677 #228833 #ccbb44"
colour(i) = word(palette, (i - 1) % words(palette) + 1)
set ylabel ylab_calls noenhanced
plot for [i=1:nm] datafile using (column(1 + i)):xtic(1) title word(modes, i) lc rgb colour(i)
set ylabel ylab_blocked noenhanced
if (strlen(caption) > 0) set label 1 caption at screen 0.01, screen 0.02 left noenhanced font ",8" textcolor rgb "#555555"
plot for [i=1:nm] datafile using (column(1 + nm + i)):xtic(1) title word(modes, i) lc rgb colour(i)
unset multiplot
