package dev.amend.cli;

import dev.amend.kit.trace.CausalLocator;
import dev.amend.kit.trace.TraceKind;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.editing.HyperparameterFiles;
import dev.amend.runtime.editing.LayerLocators;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.trace.TraceHeatmaps;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.LayerLocator;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.LayerChoice;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.ModelArchitecture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amend locate-layers}: choose a model's edit layers by causal tracing and write hyperparameter files. */
@Command(name = "locate-layers", mixinStandardHelpOptions = true,
        description = "Trace N facts the model knows, average the traces by token position, choose the layer (ROME) and"
                + " the layer range (MEMIT, AlphaEdit) with the highest MLP indirect effect at the subject's last"
                + " token, and write rome.yaml, memit.yaml and alphaedit.yaml with them, plus the averaged heatmaps.")
final class LocateLayersCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--facts", required = true, paramLabel = "FILE", description = "JSON or JSON-lines file of"
            + " {\"prompt\", \"subject\", \"target\"} (or CounterFact records), the facts in file order; or all /"
            + " heldout: the demo corpus's facts, drawn with --seed.")
    String facts;

    @Option(names = "--n", defaultValue = "100", description = "Facts to trace (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the hyperparameter files,"
            + " locate.json and the averaged heatmaps.")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the noise and of the draw from the demo"
            + " corpus (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--locator", defaultValue = "causal", description = "The layer locator (default ${DEFAULT-VALUE}).")
    String locator;

    @Mixin
    TraceOptions traceOptions;

    @Option(names = "--json", description = "Print the choice as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<EditRequest> requests = FactsFile.read(facts, n, seed);
        try (Transformer model = modelOptions.load()) {
            ModelArchitecture arch = model.architecture();
            EditorRegistry registry = EditorRegistry.classPath();
            int rangeSize = layers(defaults(registry, "memit", arch)).size();
            LayerChoice choice = locator().locate(model, requests, rangeSize, seed, new ProgressBar(json));
            List<Path> written = new ArrayList<>();
            for (String method : List.of("rome", "memit", "alphaedit")) {
                Map<String, Object> values = new LinkedHashMap<>(defaults(registry, method, arch));
                values.put("layers", method.equals("rome") ? List.of(choice.layer()) : choice.range());
                values.put("fact_token", choice.factToken());
                // empty values are the defaults anyway; an empty rewrite_module_tmp would mark a reference file
                values.values().removeIf(v -> "".equals(v) || v instanceof java.util.Collection<?> c && c.isEmpty());
                written.add(HyperparameterFiles.write(out.resolve(method + ".yaml"), values, List.of(
                        method + " for " + model.name() + " (" + arch.family() + ", " + arch.layers() + " layers),"
                                + " layers chosen by ./amend locate-layers --locator " + locator + " over "
                                + choice.facts() + " facts")));
            }
            for (TraceKind kind : TraceKind.values()) {
                double[][] m = choice.evidence().get(kind.id());
                if (m != null) {
                    Path png = out.resolve(TraceHeatmaps.fileName(kind));
                    Files.write(png, TraceHeatmaps.png(m, choice.rows(), "Average over " + choice.facts()
                            + " facts: " + kind.id() + " restored", kind));
                    written.add(png);
                }
            }
            Map<String, Object> o = view(choice, model.name(), written);
            Path file = out.resolve("locate.json");
            Files.writeString(file, Json.of(o) + "\n", StandardCharsets.UTF_8);
            if (json) {
                System.out.println(Json.of(o));
                return 0;
            }
            print(choice, model.name());
            System.out.println("wrote " + written.stream().map(Path::toString).toList() + " and " + file);
        }
        return 0;
    }

    private LayerLocator locator() {
        LayerLocator named = LayerLocators.named(locator);
        if (named instanceof CausalLocator) {
            return new CausalLocator(traceOptions.settings(seed));
        }
        if (!traceOptions.defaults()) {
            throw new InvalidRequestException("--samples, --noise and --window set the causal locator's tracing;"
                    + " the " + locator + " locator does not trace: leave them out");
        }
        return named;
    }

    private static Map<String, Object> defaults(EditorRegistry registry, String method, ModelArchitecture arch) {
        Hyperparameters h = registry.configure(method, arch, Map.of(), "defaults").hyperparameters();
        return HyperparameterBinder.toMap((Record) h);
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> layers(Map<String, Object> values) {
        return (List<Integer>) values.get("layers");
    }

    private static Map<String, Object> view(LayerChoice c, String model, List<Path> files) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model);
        o.put("layer", c.layer());
        o.put("range", c.range());
        o.put("fact_token", c.factToken());
        o.put("facts", c.facts());
        o.put("skipped", c.skipped());
        o.put("rows", c.rows());
        o.putAll(c.evidence());
        o.put("reasoning", c.reasoning());
        o.put("files", files.stream().map(Path::toString).toList());
        return o;
    }

    private static void print(LayerChoice c, String model) {
        System.out.printf("layers for %s: ROME layer %d, MEMIT/AlphaEdit layers %s, token rule %s (%d facts traced,"
                + " %d left out)%n", model, c.layer(), c.range(), c.factToken(), c.facts(), c.skipped().size());
        for (Map.Entry<String, double[][]> e : c.evidence().entrySet()) {
            System.out.println();
            TraceTable.print(System.out, "average " + e.getKey() + " indirect effect x 100", e.getValue(), c.rows());
        }
        System.out.println();
        c.reasoning().forEach(r -> System.out.println("- " + r));
        c.skipped().stream().limit(5).forEach(s -> System.out.println("  left out: " + s));
        if (c.skipped().size() > 5) {
            System.out.println("  ... and " + (c.skipped().size() - 5) + " more (locate.json lists them)");
        }
    }
}
