/* nic.c: reading NIC files (see nic.h). */
#include "sim/nic.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/rdma.h"

/* Keys of an object must all be in `known` (NULL-terminated). */
static int check_keys(json_t *o, const char *const *known, const char *origin, const char *where,
                      struct ms_err *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        int ok = 0;
        for (int i = 0; known[i]; i++)
            ok |= !strcmp(key, known[i]);
        if (!ok)
            return ms_err_set(err, "%s: %s%s%s: unknown key", origin, where, *where ? "." : "", key);
    }
    return 0;
}

static int get_string(json_t *o, const char *key, const char *origin, const char *where,
                      struct ms_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || !json_string_value(v)[0])
        return ms_err_set(err, "%s: %s%s%s: expected a non-empty string (where the value comes "
                               "from, or \"assumption\")",
                          origin, where, *where ? "." : "", key);
    return 0;
}

/* A number at o[key], which must be > 0 (or >= 0 with `zero_ok`). */
static int get_number(json_t *o, const char *key, int zero_ok, double *out, const char *origin,
                      const char *where, struct ms_err *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v) || !(json_number_value(v) > 0 || (zero_ok && json_number_value(v) == 0)))
        return ms_err_set(err, "%s: %s%s%s: expected a number %s", origin, where, *where ? "." : "",
                          key, zero_ok ? ">= 0" : "> 0");
    *out = json_number_value(v);
    return 0;
}

/* o[key] = {"value": number, "source": string}. */
static int get_sourced(json_t *o, const char *key, int zero_ok, double *out, const char *origin,
                       const char *where, struct ms_err *err)
{
    char at[128];
    snprintf(at, sizeof at, "%s%s%s", where, *where ? "." : "", key);
    json_t *v = json_object_get(o, key);
    static const char *const known[] = {"value", "source", NULL};
    if (!json_is_object(v))
        return ms_err_set(err, "%s: %s: expected an object {\"value\": .., \"source\": ..}", origin, at);
    if (check_keys(v, known, origin, at, err) || get_number(v, "value", zero_ok, out, origin, at, err) ||
        get_string(v, "source", origin, at, err))
        return -1;
    return 0;
}

static int parse(json_t *root, const char *origin, struct ms_rdma_cfg *rc, struct ms_err *err)
{
    static const char *const top_keys[] = {"nic", "measurement", "latency", "sge_ns", "read_gbps", NULL};
    static const char *const meas_keys[] = {"what", "source", "link_gbps", "link_latency_ns",
                                            "header_bytes", "mtu_bytes", NULL};
    static const char *const point_keys[] = {"bytes", "ns", "source", NULL};
    if (!json_is_object(root))
        return ms_err_set(err, "%s: expected a JSON object at the top level", origin);
    if (check_keys(root, top_keys, origin, "", err) || get_string(root, "nic", origin, "", err))
        return -1;
    json_t *m = json_object_get(root, "measurement");
    if (!json_is_object(m))
        return ms_err_set(err, "%s: measurement: expected an object", origin);
    double gbps, lat, hdr, mtu, sge, read;
    if (check_keys(m, meas_keys, origin, "measurement", err) ||
        get_string(m, "what", origin, "measurement", err) ||
        get_string(m, "source", origin, "measurement", err) ||
        get_sourced(m, "link_gbps", 0, &gbps, origin, "measurement", err) ||
        get_sourced(m, "link_latency_ns", 1, &lat, origin, "measurement", err) ||
        get_sourced(m, "header_bytes", 1, &hdr, origin, "measurement", err) ||
        get_sourced(m, "mtu_bytes", 0, &mtu, origin, "measurement", err) ||
        get_sourced(root, "sge_ns", 1, &sge, origin, "", err) ||
        get_sourced(root, "read_gbps", 0, &read, origin, "", err))
        return -1;
    json_t *pts = json_object_get(root, "latency");
    size_t n = json_is_array(pts) ? json_array_size(pts) : 0;
    if (n < 2 || n > MS_NIC_MAX_POINTS)
        return ms_err_set(err, "%s: latency: expected a list of 2..%d points", origin, MS_NIC_MAX_POINTS);
    for (size_t i = 0; i < n; i++) {
        char at[64];
        snprintf(at, sizeof at, "latency[%zu]", i);
        json_t *p = json_array_get(pts, i);
        double bytes = 0, ns = 0;
        if (!json_is_object(p))
            return ms_err_set(err, "%s: %s: expected an object {\"bytes\", \"ns\", \"source\"}", origin, at);
        if (check_keys(p, point_keys, origin, at, err) ||
            get_number(p, "bytes", 0, &bytes, origin, at, err) ||
            get_number(p, "ns", 0, &ns, origin, at, err) || get_string(p, "source", origin, at, err))
            return -1;
        if (bytes != floor(bytes) || bytes > 1073741824.0)
            return ms_err_set(err, "%s: %s.bytes: expected a whole number of bytes up to 1 GiB", origin, at);
        if (i > 0 && bytes <= rc->curve_bytes[i - 1])
            return ms_err_set(err, "%s: %s.bytes: sizes must increase (%u before it)", origin, at,
                              rc->curve_bytes[i - 1]);
        double nic = ns - ms_rdma_wire_ns(bytes, gbps, lat, hdr, mtu);
        if (!(nic > 0))
            return ms_err_set(err, "%s: %s.ns: %g ns is no more than the measurement's own wire "
                                   "time for %g bytes", origin, at, ns, bytes);
        rc->curve_bytes[i] = (uint32_t)bytes;
        rc->curve_ns[i] = nic;
    }
    rc->n_points = (uint32_t)n;
    rc->read_gbps = read;
    if (isnan(rc->sge_ns))
        rc->sge_ns = sge;
    if (isnan(rc->wr_ns))
        rc->wr_ns = 2 * rc->curve_ns[0];
    return 0;
}

int ms_nic_is_preset(const char *given)
{
    size_t len = strlen(given);
    return !(len >= 5 && !strcmp(given + len - 5, ".json"));
}

const struct ms_nic_preset *ms_nic_preset(const char *given)
{
    /* a tool that rewrites paths may have put a directory in front of a preset's name (a
     * frozen sweep point), so only the last component counts */
    if (strrchr(given, '/'))
        given = strrchr(given, '/') + 1;
    const struct ms_nic_preset *p = ms_nic_presets;
    while (p->name && strcmp(p->name, given))
        p++;
    return p->name ? p : NULL;
}

int ms_nic_load(const char *given, const char *path, const char *origin_cfg, struct ms_rdma_cfg *rc,
                struct ms_err *err)
{
    json_error_t jerr;
    json_t *root;
    char origin[4200];
    if (ms_nic_is_preset(given)) {
        const struct ms_nic_preset *p = ms_nic_preset(given);
        if (strrchr(given, '/'))
            given = strrchr(given, '/') + 1;
        if (!p) {
            char names[512] = "";
            size_t used = 0;
            for (const struct ms_nic_preset *q = ms_nic_presets; q->name && used < sizeof names; q++)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s",
                                         q == ms_nic_presets ? "" : ", ", q->name);
            return ms_err_set(err, "%s: rdma.nic: no NIC preset named \"%s\" (presets: %s; a NIC "
                                   "file is named by a path ending in .json)", origin_cfg, given, names);
        }
        snprintf(origin, sizeof origin, "configs/nic/%s.json (rdma.nic preset)", given);
        /* the last preset's JSON is kept: a sweep loads a config per point */
        static const struct ms_nic_preset *last;
        static json_t *last_root;
        if (p != last) {
            json_decref(last_root);
            last_root = json_loads(p->text, JSON_REJECT_DUPLICATES, &jerr);
            MS_ASSERT(last_root != NULL);   /* checked when it was built in: tests load every preset */
            last = p;
        }
        root = json_incref(last_root);
    } else {
        snprintf(origin, sizeof origin, "%s", path);
        errno = 0;
        root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!root) {
            if (jerr.line < 1)
                return ms_err_set(err, "%s: cannot read NIC file (rdma.nic): %s", path, jerr.text);
            return ms_err_set(err, "%s:%d:%d: JSON syntax error: %s", path, jerr.line, jerr.column,
                              jerr.text);
        }
    }
    int rc_ = parse(root, origin, rc, err);
    json_decref(root);
    return rc_;
}
