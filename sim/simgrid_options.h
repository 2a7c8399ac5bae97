/* simgrid_options.h: SimGrid's own options on mindsim's command line, checked before any run.
 *
 * mindsim passes --cfg=NAME:VALUE and --log=CATEGORY.SETTING:VALUE to SimGrid in every fetch
 * mode's process. A bad one would stop each of them with SimGrid's own report (a list of every
 * option, a backtrace, an abort); these checks find it first, in a process of their own, and
 * say what is wrong in one line. Beyond what SimGrid itself accepts:
 *  - --cfg options that change what is modelled are refused with the reason: mindsim fixes
 *    the network and host models (CM02 with crosstraffic 0 and TCP-gamma 0: the calibration
 *    of docs/model.md) and runs actors one at a time; options for tracing, MPI, the model
 *    checker, plugins and the chaos monkey have no place in a mindsim run. Options about how
 *    SimGrid computes (contexts/factory, contexts/stack-size, maxmin/precision,
 *    surf/precision, network/optim, ...) are accepted.
 *  - --log names an existing category (SimGrid's or mindsim's own); appenders are refused:
 *    every fetch mode's process would write the same file.
 * docs/config.md lists the rules. */
#ifndef MS_SIMGRID_OPTIONS_H
#define MS_SIMGRID_OPTIONS_H

#include "traces/lib/ms_common.h"

/* Check the value of one --cfg (NAME:VALUE, several separated by spaces or commas, as SimGrid
 * reads them). Returns 0, or -1 with err "--cfg=VALUE: what is wrong". */
int ms_simgrid_check_cfg(const char *value, struct ms_err *err);
/* The same for one --log (CATEGORY.SETTING:VALUE, several separated by spaces). */
int ms_simgrid_check_log(const char *value, struct ms_err *err);

#endif
