package dev.amend.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.model.Capture;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.Intervention;
import dev.amend.spi.model.ModelArchitecture;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.SiteAddition;
import dev.amend.spi.model.SiteReplacement;
import dev.amend.spi.model.WeightOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link ForwardRequest} checked against a model, ready to run: the blocks to run, the right-padded ids, and the
 * hooks grouped by where they act. Every problem with the request is reported here, as an
 * {@link InvalidRequestException} saying what to fix, before any tensor is built.
 *
 * @param first   first block to run
 * @param last    last block to run
 * @param batch   B, the number of sequences
 * @param length  T, the longest sequence
 * @param lengths the real length of each sequence
 * @param ids     [B * T] token ids, each sequence padded with its last id
 * @param adds    interventions by site
 * @param offsets weight offsets by layer, [out, in]
 * @param whole   whole-tensor additions by site
 * @param wanted  the captures asked for
 * @param replaced site replacements by site
 */
record ForwardPlan(int first, int last, int batch, int length, int[] lengths, long[] ids,
                   Map<Capture, List<Intervention>> adds, Map<Integer, NDArray> offsets, Map<Capture, NDArray> whole,
                   Set<Capture> wanted, Map<Capture, SiteReplacement> replaced) {

    /** Returns {@code request} checked against {@code config} and {@code architecture}. */
    static ForwardPlan of(ForwardRequest request, TransformerConfig config, ModelArchitecture architecture) {
        int first = request.resume() == null ? 0 : request.resume().layer();
        int last = request.stopAfterLayer() < 0 ? config.layers() - 1 : request.stopAfterLayer();
        if (first < 0 || first >= config.layers() || last >= config.layers() || last < first) {
            throw new InvalidRequestException("cannot run blocks " + first + ".." + last + " of a model with "
                    + config.layers() + " layers");
        }
        int b = request.tokens().size();
        int t = request.maxLength();
        checkContext(t, config);
        int[] lengths = new int[b];
        long[] ids = new long[b * t];
        for (int i = 0; i < b; i++) {
            int[] seq = request.tokens().get(i);
            lengths[i] = seq.length;
            for (int j = 0; j < t; j++) {
                int id = j < seq.length ? seq[j] : seq[seq.length - 1];
                ids[i * t + j] = checkedId(id, config);
            }
        }
        if (request.resume() != null && !request.resume().hidden().getShape().equals(new Shape(b, t, config.hiddenSize()))) {
            throw new InvalidRequestException("resume hidden state has shape " + request.resume().hidden().getShape()
                    + ", expected " + new Shape(b, t, config.hiddenSize()));
        }
        return new ForwardPlan(first, last, b, t, lengths, ids, interventions(request, lengths),
                offsets(request, config, architecture), additions(request, config, b, t),
                Set.copyOf(request.captures()), replacements(request, config, b, t));
    }

    /** Throws when a sequence of {@code length} tokens does not fit the model's context. */
    static void checkContext(int length, TransformerConfig config) {
        if (length > config.maxPositions()) {
            throw new InvalidRequestException("the input is " + length + " tokens, longer than the model's context of "
                    + config.maxPositions() + " tokens: shorten the prompt");
        }
    }

    /** Returns {@code id}, or throws when it lies outside the vocabulary. */
    static int checkedId(int id, TransformerConfig config) {
        if (id < 0 || id >= config.vocabSize()) {
            throw new InvalidRequestException("token id " + id + " is outside the vocabulary of " + config.vocabSize());
        }
        return id;
    }

    private static Map<Capture, List<Intervention>> interventions(ForwardRequest request, int[] lengths) {
        Map<Capture, List<Intervention>> adds = new HashMap<>();
        for (Intervention iv : request.interventions()) {
            if (iv.row() >= lengths.length || iv.position() >= lengths[iv.row()]) {
                throw new InvalidRequestException("intervention at row " + iv.row() + " position " + iv.position()
                        + " lies outside the batch");
            }
            adds.computeIfAbsent(new Capture(iv.layer(), iv.site()), k -> new ArrayList<>()).add(iv);
        }
        return adds;
    }

    private static Map<Integer, NDArray> offsets(ForwardRequest request, TransformerConfig config,
                                                 ModelArchitecture architecture) {
        Map<Integer, NDArray> offsets = new HashMap<>();
        for (WeightOffset o : request.weightOffsets()) {
            if (o.layer() >= config.layers()) {
                throw new InvalidRequestException("weight offset for layer " + o.layer() + " of a model with "
                        + config.layers() + " layers");
            }
            EditPoint p = architecture.editPoint(o.layer());
            Shape want = new Shape(p.outFeatures(), p.inFeatures());
            if (!o.delta().getShape().equals(want)) {
                throw new InvalidRequestException("weight offset for " + p.weight() + " has shape "
                        + o.delta().getShape() + ", expected [out, in] " + want);
            }
            offsets.put(o.layer(), o.delta());
        }
        return offsets;
    }

    private static long width(Site site, TransformerConfig config) {
        return site == Site.MLP_KEY ? config.intermediateSize() : config.hiddenSize();
    }

    private static Map<Capture, SiteReplacement> replacements(ForwardRequest request, TransformerConfig config, int b,
                                                              int t) {
        Map<Capture, SiteReplacement> replaced = new HashMap<>();
        for (SiteReplacement r : request.replacements()) {
            String where = "replacement at layer " + r.layer() + " " + r.site();
            if (r.layer() >= config.layers()) {
                throw new InvalidRequestException(where + " in a model with " + config.layers() + " layers");
            }
            if (!r.mask().getShape().equals(new Shape(b, t))) {
                throw new InvalidRequestException(where + " has a mask of shape " + r.mask().getShape()
                        + ", expected " + new Shape(b, t));
            }
            Shape values = r.values().getShape();
            long width = width(r.site(), config);
            if (!values.equals(new Shape(b, t, width)) && !values.equals(new Shape(1, t, width))) {
                throw new InvalidRequestException(where + " has values of shape " + values + ", expected "
                        + new Shape(b, t, width) + " or " + new Shape(1, t, width));
            }
            if (replaced.put(new Capture(r.layer(), r.site()), r) != null) {
                throw new InvalidRequestException("two replacements at layer " + r.layer() + " " + r.site()
                        + ": merge their masks");
            }
        }
        return replaced;
    }

    private static Map<Capture, NDArray> additions(ForwardRequest request, TransformerConfig config, int b, int t) {
        Map<Capture, NDArray> whole = new HashMap<>();
        for (SiteAddition a : request.additions()) {
            Shape want = new Shape(b, t, width(a.site(), config));
            if (!a.values().getShape().equals(want)) {
                throw new InvalidRequestException("addition at layer " + a.layer() + " " + a.site() + " has shape "
                        + a.values().getShape() + ", expected " + want);
            }
            if (whole.put(new Capture(a.layer(), a.site()), a.values()) != null) {
                throw new InvalidRequestException("two additions at layer " + a.layer() + " " + a.site());
            }
        }
        return whole;
    }
}
