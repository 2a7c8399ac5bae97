/* names.h: every name of the simulated rack: hosts, mailboxes and actors.
 *
 * The platform (sim/platform.c) gives hosts these names and the components look hosts and
 * mailboxes up by them, so they are built here and nowhere else. Actor names are what SimGrid's
 * log lines show (`[blade0:evictor0:(5) 0.000012] ...`).
 *
 * Hosts:     "blade<i>" (CPU blade i), "switch", "mem<j>" (memory blade j).
 * Mailboxes: "ctrl" (system calls to the control plane), "switch" (acknowledgements of
 *            coherence agents), "coh<i>" (INVALs and DOWNGRADEs to blade i's agent),
 *            "thread<t>" (replies to trace thread t).
 * Actors:    "thread<t>", "evictor<i>", "agent<i>", "carrier<i>.<k>" (on blade i), "switch",
 *            "ctrl_plane" (on the switch). */
#ifndef MS_NAMES_H
#define MS_NAMES_H

#include <stdint.h>
#include <stdio.h>

/* Room for any name below. */
#define MS_NAME_LEN 32

#define MS_HOST_SWITCH "switch"
#define MS_MBOX_SWITCH "switch"
#define MS_MBOX_CTRL "ctrl"
#define MS_ACTOR_SWITCH "switch"
#define MS_ACTOR_CTRL "ctrl_plane"

/* "<prefix><i>" into buf (MS_NAME_LEN bytes); returns buf. */
static inline const char *ms_name_indexed(char *buf, const char *prefix, uint32_t i)
{
    snprintf(buf, MS_NAME_LEN, "%s%u", prefix, i);
    return buf;
}

#define MS_NAME_FN(fn, prefix)                                                                 \
    static inline const char *fn(char *buf, uint32_t i) { return ms_name_indexed(buf, prefix, i); }
MS_NAME_FN(ms_host_blade, "blade")
MS_NAME_FN(ms_host_mem, "mem")
MS_NAME_FN(ms_mbox_coh, "coh")
MS_NAME_FN(ms_mbox_thread, "thread")
MS_NAME_FN(ms_actor_thread, "thread")
MS_NAME_FN(ms_actor_evictor, "evictor")
MS_NAME_FN(ms_actor_agent, "agent")
#undef MS_NAME_FN

/* "carrier<i>.<k>": blade i's k-th carrier. */
static inline const char *ms_actor_carrier(char *buf, uint32_t i, uint32_t k)
{
    snprintf(buf, MS_NAME_LEN, "carrier%u.%u", i, k);
    return buf;
}

#endif
