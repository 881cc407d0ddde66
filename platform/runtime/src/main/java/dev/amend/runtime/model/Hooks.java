package dev.amend.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.model.Capture;
import dev.amend.spi.model.Intervention;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.SiteReplacement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a forward pass does at its hooks: interventions, whole-tensor additions, replacements, weight offsets and
 * captures. What a hook adds or puts in place is moved to the device of the block it acts on, so hooks work the same on a model split over devices.
 *
 * @param adds     interventions by site
 * @param whole    whole-tensor additions by site
 * @param offsets  weight offsets [out, in] by layer
 * @param wanted   the captures asked for
 * @param captured where captured tensors are put
 * @param replaced replacements by site
 */
record Hooks(Map<Capture, List<Intervention>> adds, Map<Capture, NDArray> whole, Map<Integer, NDArray> offsets,
             Set<Capture> wanted, Map<Capture, NDArray> captured, Map<Capture, SiteReplacement> replaced) {

    /** Returns hooks that do nothing. */
    static Hooks none() {
        return new Hooks(Map.of(), Map.of(), Map.of(), Set.of(), new HashMap<>(), Map.of());
    }

    /**
     * Returns {@code a} at layer {@code l}'s {@code site} with this pass's additions and then its replacement applied,
     * capturing it if asked.
     */
    NDArray at(Transformer model, int l, Site site, NDArray a) {
        Capture here = new Capture(l, site);
        List<Intervention> vectors = adds.get(here);
        if (vectors != null) {
            a = a.add(Transformer.onDevice(additive(model, a.getShape(), vectors), a.getDevice()));
        }
        NDArray all = whole.get(here);
        if (all != null) {
            a = a.add(Transformer.onDevice(all, a.getDevice()));
        }
        SiteReplacement put = replaced.get(here);
        if (put != null) {
            NDArray mask = Transformer.onDevice(put.mask(), a.getDevice()).toType(a.getDataType(), false)
                    .expandDims(2);                                                           // [B, T, 1]
            NDArray values = Transformer.onDevice(put.values(), a.getDevice());
            a = a.sub(a.mul(mask)).add(values.mul(mask));                                    // keep where 0, put where 1
        }
        if (wanted.contains(here)) {
            captured.put(here, a);
        }
        return a;
    }

    /** Returns {@code value} plus the weight offset of layer {@code l} applied to {@code key}: (W + ΔW) key. */
    NDArray offset(int l, NDArray key, NDArray value) {
        NDArray delta = offsets.get(l);
        return delta == null ? value
                : value.add(key.matMul(Transformer.onDevice(delta, key.getDevice()).transpose()));
    }

    /** Returns a [B, T, d] tensor holding each intervention's vector at its row/position, differentiably. */
    private static NDArray additive(Transformer model, Shape shape, List<Intervention> here) {
        long b = shape.get(0);
        long t = shape.get(1);
        int n = here.size();
        float[] select = new float[(int) (b * t * n)];
        NDList vectors = new NDList(n);
        for (int i = 0; i < n; i++) {
            Intervention iv = here.get(i);
            select[(int) ((iv.row() * t + iv.position()) * n + i)] = 1f;
            NDArray v = iv.vector();
            if (v.getShape().dimension() != 1 || v.getShape().get(0) != shape.get(2)) {
                throw new InvalidRequestException("intervention vector has shape " + v.getShape() + ", expected ("
                        + shape.get(2) + ")");
            }
            vectors.add(v);
        }
        NDArray stacked = n == 1 ? vectors.get(0).expandDims(0) : NDArrays.stack(vectors);
        NDArray m = model.constant(select, new Shape(b * t, n), stacked.getDevice());
        return m.matMul(stacked).reshape(shape);
    }
}
