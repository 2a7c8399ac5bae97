/* actor.h: starting the simulated components' server actors.
 *
 * Every component that serves requests (switch, control plane, memory blade, a blade's evictor
 * and coherence agent) runs as a daemon actor: the simulation ends when the last trace thread
 * does, whatever the servers are waiting for. Carriers (fabric.h) are started this way while
 * the simulation runs. */
#ifndef MS_ACTOR_H
#define MS_ACTOR_H

#include <simgrid/actor.h>

/* Start `fn` on `host` as a daemon actor named `name`; `data` comes back through
 * sg_actor_self_get_data(). */
static inline void ms_actor_start_daemon(const char *name, sg_host_t host, void (*fn)(int, char **),
                                         void *data)
{
    sg_actor_t a = sg_actor_init(name, host);
    sg_actor_set_data(a, data);
    /* after the start: an actor made a daemon before it starts, once the simulation runs, is
     * left in the engine's daemon list as a dangling entry (SimGrid 3.32) */
    sg_actor_start(a, fn, 0, NULL);
    sg_actor_daemonize(a);
}

#endif
