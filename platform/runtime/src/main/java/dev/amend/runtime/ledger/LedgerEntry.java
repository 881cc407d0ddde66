package dev.amend.runtime.ledger;

import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditRequest;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One edit recorded in the ledger: its id and place in the history, when it was recorded, the full
 * {@link Edit} (deltas and metadata, as a restart reads it back), what the caller attached (scores,
 * before/after answers) and the sizes of its deltas.
 *
 * @param id       short unique id (12 hex digits)
 * @param sequence the journal sequence number (increasing; rollbacks take numbers too, so there are gaps)
 * @param time     when the edit was recorded
 * @param edit     the edit as stored
 * @param info     what the caller attached when recording (e.g. scores), as name → value
 * @param deltas   the size of each delta, in the edit's order
 * @param bytes    the size of the edit's deltas file on disk
 */
public record LedgerEntry(String id, long sequence, Instant time, Edit edit, Map<String, Object> info,
                          List<DeltaSize> deltas, long bytes) {

    /** Copies the collections (the info map keeps its order and may hold nulls). */
    public LedgerEntry {
        info = Collections.unmodifiableMap(new LinkedHashMap<>(info));
        deltas = List.copyOf(deltas);
    }

    /**
     * The size of one weight delta.
     *
     * @param weight       the weight it changes
     * @param kind         {@code low_rank} or {@code dense}
     * @param rows         output features of ΔW
     * @param cols         input features of ΔW
     * @param rank         the number of factor columns (for dense: min(rows, cols))
     * @param storedFloats the floats stored
     * @param bytes        the bytes stored (4 per float)
     */
    public record DeltaSize(String weight, String kind, int rows, int cols, int rank, long storedFloats, long bytes) {
    }

    /** Returns the editing method's name. */
    public String method() {
        return edit.method();
    }

    /** Returns the editing method's version. */
    public String methodVersion() {
        return edit.methodVersion();
    }

    /** Returns the hyperparameters the edit was computed with. */
    public Map<String, Object> hyperparameters() {
        return edit.hyperparameters();
    }

    /** Returns the context templates the edit was computed with. */
    public List<String> contextTemplates() {
        return edit.contextTemplates();
    }

    /** Returns the requests the edit wrote. */
    public List<EditRequest> requests() {
        return edit.requests();
    }

    /** Returns the method's metadata (e.g. AlphaEdit's keys). */
    public Map<String, Object> metadata() {
        return edit.metadata();
    }

    /** Returns the total number of floats the deltas store. */
    public long storedFloats() {
        return edit.storedFloats();
    }

    /**
     * Returns the entry as JSON-friendly name → value (snake_case keys, as the API shows it): id, sequence,
     * time, method, method_version, requests, hyperparameters, context_templates, info, deltas (sizes), adapters
     * (id, kind, layer, stored_floats), stored_floats, bytes and metadata, with arrays longer than 16 values shown as e.g. {@code "float32[1024]"}.
     */
    public Map<String, Object> describe() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", id);
        o.put("sequence", sequence);
        o.put("time", time.toString());
        o.put("method", method());
        o.put("method_version", methodVersion());
        List<Map<String, Object>> reqs = new java.util.ArrayList<>();
        for (EditRequest r : requests()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("prompt", r.prompt());
            m.put("subject", r.subject());
            m.put("target", r.target());
            m.put("paraphrases", r.paraphrases());
            reqs.add(m);
        }
        o.put("requests", reqs);
        o.put("hyperparameters", readable(hyperparameters()));
        o.put("context_templates", contextTemplates());
        o.put("info", readable(info));
        List<Map<String, Object>> ds = new java.util.ArrayList<>();
        for (DeltaSize d : deltas) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("weight", d.weight());
            m.put("kind", d.kind());
            m.put("shape", List.of(d.rows(), d.cols()));
            m.put("rank", d.rank());
            m.put("stored_floats", d.storedFloats());
            m.put("bytes", d.bytes());
            ds.add(m);
        }
        o.put("deltas", ds);
        List<Map<String, Object>> as = new java.util.ArrayList<>();
        for (dev.amend.spi.edit.Adapter a : edit.adapters()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", a.id());
            m.put("kind", a.kind());
            m.put("layer", a.layer());
            m.put("stored_floats", a.storedFloats());
            as.add(m);
        }
        o.put("adapters", as);
        o.put("stored_floats", storedFloats());
        o.put("bytes", bytes);
        o.put("metadata", readable(metadata()));
        return o;
    }

    private static Object readable(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), readable(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(LedgerEntry::readable).toList();
        }
        if (v instanceof float[] f) {
            if (f.length > 16) {
                return "float32[" + f.length + "]";
            }
            List<Object> out = new java.util.ArrayList<>();
            for (float x : f) {
                out.add(x);
            }
            return out;
        }
        if (v instanceof double[] d) {
            return d.length > 16 ? "float64[" + d.length + "]" : java.util.Arrays.stream(d).boxed().toList();
        }
        if (v instanceof int[] i) {
            return i.length > 16 ? "int32[" + i.length + "]" : java.util.Arrays.stream(i).boxed().toList();
        }
        if (v instanceof long[] l) {
            return l.length > 16 ? "int64[" + l.length + "]" : java.util.Arrays.stream(l).boxed().toList();
        }
        return v;
    }
}
