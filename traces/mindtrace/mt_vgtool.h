/* mt_vgtool.h: the client requests the mindtrace Valgrind tool understands (mt_vgtool.c),
 * shared with the interposer (interposer.c), which uses them when it runs under the tool
 * (`mindtrace --accesses`) instead of its own buffer. Both sides include valgrind.h. */
#ifndef MT_VGTOOL_H
#define MT_VGTOOL_H

#define MT_VG_TOOL_NAME "mindtrace"
#define MT_VG_HELLO_REPLY 0x4d54u  /* what MT_REQ_HELLO returns under this tool (0 elsewhere) */

enum {
    MT_REQ_HELLO = VG_USERREQ_TOOL_BASE('M', 'T'),
    MT_REQ_ENTER,   /* the thread entered an outermost allocator call */
    MT_REQ_LEAVE,   /* ... and left it */
    MT_REQ_EVENT,   /* args: op ('A', 'F'), addr, len: one record in the stream */
};

#endif
