package dev.amend.runtime.bench;

import dev.amend.kit.LayerStatistics;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.io.Devices;
import dev.amend.runtime.model.Residency;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.TextCorpus;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.ModelArchitecture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code bench scale}: a randomly initialised model of a published shape, cut to its first blocks, held as a
 * {@link Residency} says; its resident memory, prefill and decode throughput, and one ROME, MEMIT and AlphaEdit edit
 * at the shape's usual edit layers (the last blocks kept when those lie beyond the cut), with the edit time split
 * into statistics over T tokens, optimisation, solve and projector as the editors record them.
 */
public final class ScaleBenchmark {
    /** Characters per statistics text (one token each under {@link ByteTokens}). */
    private static final int TEXT_CHARS = 256;

    /**
     * What to measure.
     *
     * @param shape            the published shape
     * @param blocks           blocks kept
     * @param residency        resident type and devices
     * @param methods          editing methods to time ({@code rome}, {@code memit}, {@code alphaedit})
     * @param prefillTokens    prompt length of the prefill measurement
     * @param decodeTokens     greedy steps of the decode measurement
     * @param statisticsTokens tokens of text the layer statistics run over (T)
     * @param seed             seed of the weights, the texts and the edits
     */
    public record Options(ModelShape shape, int blocks, Residency residency, List<String> methods, int prefillTokens,
                          int decodeTokens, long statisticsTokens, long seed) {
        /** Copies the list. */
        public Options {
            methods = List.copyOf(methods);
        }
    }

    /**
     * One method's edit.
     *
     * @param method              name
     * @param layers              the layers edited
     * @param note                why they differ from the usual ones, or null
     * @param statisticsSeconds   layer statistics over T tokens
     * @param optimisationSeconds value optimisation
     * @param solveSeconds        the covariance solves
     * @param projectorSeconds    AlphaEdit's null-space projectors (0 for the others)
     * @param totalSeconds        the whole edit computation
     */
    public record EditTiming(String method, List<Integer> layers, String note, double statisticsSeconds,
                             double optimisationSeconds, double solveSeconds, double projectorSeconds,
                             double totalSeconds) {
    }

    /**
     * The figures.
     *
     * @param options                what was measured
     * @param parameters             parameters of the blocks kept, embeddings and head
     * @param residentBytes          bytes the weights take on their devices
     * @param buildSeconds           time to draw the weights (and hash them)
     * @param forward                prefill and decode throughput
     * @param statisticsTokens       tokens the statistics ran over
     * @param statisticsPassBytes    device bytes one statistics pass of the widest method holds at its peak
     * @param edits                  one entry per method
     */
    public record Result(Options options, long parameters, long residentBytes, double buildSeconds,
                         ForwardBenchmark.Result forward, long statisticsTokens, long statisticsPassBytes,
                         List<EditTiming> edits) {
        /** Returns parameters × bytes per parameter of the resident type. */
        public long parameterBytes() {
            return parameters * options.residency().precision().bytes();
        }

        /** Returns the figures as {@code bench scale --json} prints them. */
        public Map<String, Object> json() {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("shape", options.shape().id());
            o.put("blocks", options.blocks());
            o.put("dtype", options.residency().precision().id());
            o.put("device", Devices.name(options.residency().primary()));
            o.put("devices", options.residency().devices().stream().map(Devices::name).toList());
            o.put("parameters", parameters);
            o.put("parameter_bytes", parameterBytes());
            o.put("resident_bytes", residentBytes);
            o.put("build_seconds", buildSeconds);
            o.put("prefill_tokens", forward.prefillTokens());
            o.put("prefill_tokens_per_second", forward.prefillTokensPerSec());
            o.put("decode_tokens_per_second", forward.decodeTokensPerSec());
            o.put("matmul_gflops", forward.matmulGflops());
            o.put("statistics_tokens", statisticsTokens);
            o.put("statistics_pass_device_bytes", statisticsPassBytes);
            Map<String, Object> edits = new LinkedHashMap<>();
            for (EditTiming e : this.edits) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("layers", e.layers());
                if (e.note() != null) {
                    m.put("note", e.note());
                }
                m.put("statistics_seconds", e.statisticsSeconds());
                m.put("optimisation_seconds", e.optimisationSeconds());
                m.put("solve_seconds", e.solveSeconds());
                m.put("projector_seconds", e.projectorSeconds());
                m.put("total_seconds", e.totalSeconds());
                edits.put(e.method(), m);
            }
            o.put("edits", edits);
            return o;
        }
    }

    private ScaleBenchmark() {
    }

    /** Returns a randomly initialised model of {@code shape} cut to {@code blocks} blocks, with a byte tokenizer. */
    public static Transformer build(ModelShape shape, int blocks, Residency residency, long seed) {
        TransformerConfig c = shape.config(blocks);
        ByteTokens tokens = new ByteTokens(c.vocabSize(), c.family() == dev.amend.runtime.model.Family.GPT2 ? -1
                : c.bosTokenId(), c.eosTokenId());
        return Transformer.create("random-" + shape.id() + "-" + blocks, c, InitialisedWeights.of(c, seed), tokens,
                residency);
    }

    /** Runs the benchmark, reporting what it does to {@code log}. */
    public static Result run(Options o, EditorRegistry registry, Consumer<String> log) {
        log.accept("building a random " + o.shape().id() + " of " + o.blocks() + " blocks in "
                + o.residency().precision().id() + " on " + o.residency().devices().stream().map(Devices::name).toList());
        long t0 = System.nanoTime();
        try (Transformer model = build(o.shape(), o.blocks(), o.residency(), o.seed())) {
            double buildSeconds = (System.nanoTime() - t0) / 1e9;
            log.accept("measuring prefill (" + o.prefillTokens() + " tokens) and decode (" + o.decodeTokens()
                    + " steps)");
            double matmul = MatmulReference.gflops(model.manager(), 1024, 5);
            ForwardBenchmark.Result forward = ForwardBenchmark.run(model, o.prefillTokens(), o.decodeTokens(), 1,
                    matmul);
            TextCorpus corpus = corpus(o.statisticsTokens(), o.seed());
            List<EditTiming> edits = new ArrayList<>();
            int widest = 0;
            Path cache = temporaryCache();
            try {
                for (String method : o.methods()) {
                    log.accept("editing with " + method);
                    EditTiming t = edit(model, o, method, registry, corpus, cache);
                    edits.add(t);
                    widest = Math.max(widest, t.layers().size());
                }
            } finally {
                deleteQuietly(cache);
            }
            return new Result(o, model.architecture().parameters(), model.residentBytes(), buildSeconds, forward,
                    corpus.documents().size() * (long) textTokens(model),
                    passBytes(model.architecture().intermediateSize(), widest), edits);
        }
    }

    /** Returns the device bytes of the first statistics pass over {@code layers} layers (0 for none). */
    private static long passBytes(int dim, int layers) {
        if (layers == 0) {
            return 0;
        }
        int fit = 1;
        while (fit < layers && LayerStatistics.deviceBytes(dim, fit + 1) <= LayerStatistics.maxDeviceBytes()) {
            fit++;
        }
        return LayerStatistics.deviceBytes(dim, fit);
    }

    /** Returns one edit's timings: the usual layers of {@code method} (moved onto the blocks kept when needed). */
    private static EditTiming edit(Transformer model, Options o, String method, EditorRegistry registry,
                                   TextCorpus corpus, Path cache) {
        List<Integer> usual = o.shape().editLayers(method);
        List<Integer> layers = layersWithin(usual, o.blocks());
        String note = layers.equals(usual) ? null : "the usual edit layers " + usual + " lie beyond the " + o.blocks()
                + " blocks kept: editing the last blocks kept, " + layers;
        // the published model's defaults (its profile matches the full architecture), on the layers edited here
        EditorRegistry.Configured editor = registry.configure(method, fullArchitecture(model, o.shape()),
                Map.of("layers", layers, "mom2_n_samples", corpus.documents().size()), "bench scale " + o.shape().id());
        EditContext ctx = EditContext.defaults(cache, corpus).withSeed(o.seed());
        EditRequest request = EditRequest.of("The mother tongue of {} is", "Danielle Darrieux", " English");
        long t0 = System.nanoTime();
        Edit edit = editor.editor().computeEdit(model, List.of(request), ctx);
        double total = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> m = edit.metadata();
        return new EditTiming(method, layers, note, seconds(m, "seconds_statistics"),
                seconds(m, "seconds_optimisation"), seconds(m, "seconds_solve"), seconds(m, "seconds_projector"),
                total);
    }

    /** Returns {@code usual}, or when it reaches past {@code blocks} the same span moved onto the last blocks kept. */
    static List<Integer> layersWithin(List<Integer> usual, int blocks) {
        int last = usual.get(usual.size() - 1);
        if (last < blocks) {
            return usual;
        }
        int shift = last - (blocks - 1);
        return usual.stream().map(l -> l - shift).filter(l -> l >= 0).toList();
    }

    /** Returns the architecture of the published model (all its blocks), whose default hyperparameters apply. */
    private static ModelArchitecture fullArchitecture(Transformer model, ModelShape shape) {
        ModelArchitecture a = model.architecture();
        EditPoint first = a.editPoint(0);
        List<EditPoint> points = new ArrayList<>();
        for (int l = 0; l < shape.layers(); l++) {
            points.add(new EditPoint(l, first.module().replace(".0.", "." + l + "."),
                    first.weight().replace(".0.", "." + l + "."), first.layout(), first.inFeatures(),
                    first.outFeatures()));
        }
        return new ModelArchitecture(a.family(), shape.layers(), a.hiddenSize(), a.intermediateSize(), a.vocabSize(),
                a.maxContext(), a.parameters(), a.dtype(), points);
    }

    private static double seconds(Map<String, Object> meta, String key) {
        Object v = meta.get(key);
        return v instanceof Number n ? n.doubleValue() : 0;
    }

    /** Returns texts of {@link #TEXT_CHARS} random lowercase words holding about {@code tokens} tokens in all. */
    static TextCorpus corpus(long tokens, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<String> texts = new ArrayList<>();
        for (long done = 0; done < tokens; done += TEXT_CHARS) {
            StringBuilder s = new StringBuilder(TEXT_CHARS);
            while (s.length() < TEXT_CHARS) {
                int word = 2 + r.nextInt(8);
                for (int i = 0; i < word && s.length() < TEXT_CHARS; i++) {
                    s.append((char) ('a' + r.nextInt(26)));
                }
                if (s.length() < TEXT_CHARS) {
                    s.append(' ');
                }
            }
            texts.add(s.toString());
        }
        return TextCorpus.of("random words (" + texts.size() + " texts of " + TEXT_CHARS + " characters)", texts);
    }

    private static int textTokens(Transformer model) {
        return model.tokenizer().encode("a".repeat(TEXT_CHARS), true).length;
    }

    private static Path temporaryCache() {
        try {
            return Files.createTempDirectory("amend-bench-scale-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
