package dev.amend.editors.mend;

import java.util.LinkedHashMap;
import java.util.Map;

/** A copy of a MEND editor's parameters, running statistics and edit learning rates, to restore the best one. */
final class MendSnapshot {
    private final Map<String, float[]> params = new LinkedHashMap<>();
    private final Map<String, GradientTransform.Moments> moments = new LinkedHashMap<>();
    private final float[] lrs;

    MendSnapshot(MendNetwork net) {
        for (Map.Entry<String, GradientTransform> e : net.transforms().entrySet()) {
            moments.put(e.getKey(), e.getValue().moments());
            for (Map.Entry<String, float[]> p : e.getValue().parameters().entrySet()) {
                params.put(e.getKey() + "/" + p.getKey(), p.getValue().clone());
            }
        }
        lrs = net.editLrs().clone();
    }

    /** Writes the copied values back into {@code net}. */
    void restore(MendNetwork net) {
        for (Map.Entry<String, GradientTransform> e : net.transforms().entrySet()) {
            e.getValue().restore(moments.get(e.getKey()));
            for (Map.Entry<String, float[]> p : e.getValue().parameters().entrySet()) {
                float[] saved = params.get(e.getKey() + "/" + p.getKey());
                System.arraycopy(saved, 0, p.getValue(), 0, saved.length);
            }
        }
        System.arraycopy(lrs, 0, net.editLrs(), 0, lrs.length);
    }
}
