package dev.amend.spi.kit;

import ai.djl.ndarray.NDArray;
import dev.amend.spi.EditRequest;
import dev.amend.spi.EditableModel;
import dev.amend.spi.ForwardRequest;
import dev.amend.spi.ForwardResult;
import dev.amend.spi.Locator;
import dev.amend.spi.Site;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects MLP keys (inputs of the MLP output projection) at located tokens: for each request, the
 * key at the located token of the prompt wrapped in each context template, and their average.
 */
public final class KeyCollector {
    private KeyCollector() {
    }

    /**
     * Returns, per request, the keys of layer {@code layer} at the located token of the prompt wrapped in
     * each of {@code templates}: result[i][j] is the key of request i in template j (size d_ff).
     */
    public static double[][][] keys(EditableModel model, int layer, List<EditRequest> requests, List<String> templates,
                                    Locator locator) {
        List<int[]> seqs = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (EditRequest r : requests) {
            for (String t : templates) {
                String prefix = ContextTemplates.prefix(t);
                seqs.add(model.tokenizer().encode(prefix + r.filledPrompt(), true));
                positions.add(Locators.locate(locator, model.tokenizer(), prefix, r));
            }
        }
        int dff = model.architecture().intermediateSize();
        double[][][] out = new double[requests.size()][templates.size()][];
        int batch = 64;
        for (int from = 0; from < seqs.size(); from += batch) {
            List<int[]> part = seqs.subList(from, Math.min(seqs.size(), from + batch));
            try (ForwardResult res = model.forward(ForwardRequest.builder(part).stopAfter(layer)
                    .capture(layer, Site.MLP_KEY).build())) {
                NDArray k = res.capture(layer, Site.MLP_KEY);                      // [B, T, d_ff]
                long t = k.getShape().get(1);
                float[] all = k.toFloatArray();
                for (int b = 0; b < part.size(); b++) {
                    int idx = from + b;
                    double[] key = new double[dff];
                    int base = (int) ((b * t + positions.get(idx)) * dff);
                    for (int i = 0; i < dff; i++) {
                        key[i] = all[base + i];
                    }
                    out[idx / templates.size()][idx % templates.size()] = key;
                }
            }
        }
        return out;
    }

    /** Returns, per request, the mean key over {@code templates} (ROME's and MEMIT's averaged key). */
    public static double[][] meanKeys(EditableModel model, int layer, List<EditRequest> requests, List<String> templates,
                                      Locator locator) {
        double[][][] k = keys(model, layer, requests, templates, locator);
        double[][] out = new double[requests.size()][];
        for (int i = 0; i < k.length; i++) {
            double[] m = new double[k[i][0].length];
            for (double[] key : k[i]) {
                for (int d = 0; d < m.length; d++) {
                    m[d] += key[d] / k[i].length;
                }
            }
            out[i] = m;
        }
        return out;
    }
}
