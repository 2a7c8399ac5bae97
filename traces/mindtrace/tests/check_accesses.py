"""check_accesses.py: read `mindsim-trace cat` text of a trace captured with `mindtrace
--accesses` on stdin (one global order: the Valgrind tool's), and check that every R/W whose
first byte lies in a heap object (inside some A record's block, at any time) lies in a block
that is live at that point. Prints "<heap accesses> <violations>"; the first few violations
go to stderr. Used by tests/e2e/test_capture_accesses.sh."""
import sys, bisect
recs = [l.split() for l in sys.stdin]
spans = sorted((int(r[2], 16), int(r[2], 16) + int(r[3])) for r in recs if r[1] == 'A')
union = []
for s, e in spans:
    if union and s <= union[-1][1]:
        union[-1][1] = max(union[-1][1], e)
    else:
        union.append([s, e])
ustarts = [u[0] for u in union]
live, starts = {}, []
heap = bad = 0
for r in recs:
    op = r[1]
    if op == 'A':
        a = int(r[2], 16); live[a] = a + int(r[3]); bisect.insort(starts, a)
    elif op == 'F':
        a = int(r[2], 16)
        if a in live:
            del live[a]; starts.pop(bisect.bisect_left(starts, a))
    elif op in 'RW':
        a = int(r[2], 16)
        i = bisect.bisect_right(ustarts, a) - 1
        if i < 0 or a >= union[i][1]:
            continue
        heap += 1
        j = bisect.bisect_right(starts, a) - 1
        if j < 0 or a >= live[starts[j]]:
            bad += 1
            if bad <= 5:
                print('outside a live allocation:', ' '.join(r), file=sys.stderr)
print(heap, bad)
