package dev.amend.cli;

import dev.amend.demo.DemoModel;
import dev.amend.runtime.io.HfCheckpoints;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.runtime.plugins.MethodInfo;
import dev.amend.runtime.plugins.PluginCatalog;
import dev.amend.runtime.plugins.PluginInfo;
import dev.amend.spi.model.ModelArchitecture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amend plugins}: the plugin jars with their status, and every installed editor and evaluator. */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = "List the plugin jars (loaded, or failed with the reason) and the installed editors and "
                + "evaluators with their versions, origins and hyperparameters.")
final class PluginsCommand implements Callable<Integer> {
    @Option(names = {"--dir", "--plugins-dir"}, paramLabel = "DIR",
            description = "Plugins directory (default: $AMEND_PLUGINS_DIR or ~/.amend/plugins).")
    Path dir;

    @Option(names = "--model", paramLabel = "PATH",
            description = "Show the hyperparameter defaults for this Hugging Face model directory (default: the demo model).")
    Path model;

    @Option(names = "--json", description = "Print one JSON object with directory, plugins, editors and evaluators.")
    boolean json;

    @Override
    public Integer call() {
        PluginOptions options = new PluginOptions();
        options.pluginsDir = dir;
        Path directory = options.directory();
        String defaultsFor = model != null ? model.getFileName().toString() : DemoModel.available() ? "demo" : null;
        ModelArchitecture arch = defaultsFor == null ? null
                : architecture(HfCheckpoints.readConfig(model != null ? model : DemoModel.directory()));
        try (PluginCatalog catalog = PluginCatalog.open(directory, Duration.ZERO)) {
            List<PluginInfo> plugins = catalog.plugins();
            List<MethodInfo> editors = catalog.editors(arch);
            List<MethodInfo> evaluators = catalog.evaluators();
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("directory", directory.toAbsolutePath().toString());
                o.put("directory_exists", Files.isDirectory(directory));
                o.put("plugins", plugins.stream().map(PluginsCommand::plugin).toList());
                o.put("defaults_for", defaultsFor);
                o.put("editors", editors.stream().map(PluginsCommand::method).toList());
                o.put("evaluators", evaluators.stream().map(PluginsCommand::method).toList());
                System.out.println(Json.of(o));
                return 0;
            }
            System.out.printf("Plugins directory %s%s%n", directory.toAbsolutePath(),
                    Files.isDirectory(directory) ? "" : " (does not exist: only the class path is served)");
            for (PluginInfo p : plugins) {
                System.out.printf("  %-32s %-7s %s%n", p.file().getFileName(), p.status(),
                        p.status() == PluginInfo.Status.LOADED ? provided(p) : p.reason());
            }
            if (plugins.isEmpty() && Files.isDirectory(directory)) {
                System.out.println("  (no jars)");
            }
            System.out.println();
            System.out.printf("Editors%s%n", defaultsFor == null ? "" : " (hyperparameter defaults for " + defaultsFor + ")");
            for (MethodInfo m : editors) {
                System.out.printf("  %-20s %-10s %-28s %s%n", m.name(), m.version(), m.origin(), m.description());
                String hp = m.hyperparameters().stream()
                        .map(h -> h.name() + "=" + (h.defaultValue() == null ? "" : h.defaultValue()) + " (" + h.type() + ")")
                        .collect(Collectors.joining(", "));
                System.out.println("      " + hp);
            }
            System.out.println();
            System.out.println("Evaluators");
            for (MethodInfo m : evaluators) {
                System.out.printf("  %-20s %-10s %-28s protocol %s%n", m.name(), m.version(), m.origin(), m.protocol());
            }
        }
        return 0;
    }

    /** Returns a model's architecture facts from its config alone (no weights; no edit points). */
    static ModelArchitecture architecture(TransformerConfig c) {
        return new ModelArchitecture(c.family().id(), c.layers(), c.hiddenSize(), c.intermediateSize(), c.vocabSize(),
                c.maxPositions(), 0, c.dtype(), List.of());
    }

    private static String provided(PluginInfo p) {
        List<String> parts = new ArrayList<>();
        if (!p.editors().isEmpty()) {
            parts.add("editors " + p.editors().stream().map(m -> m.name() + " " + m.version())
                    .collect(Collectors.joining(", ")));
        }
        if (!p.evaluators().isEmpty()) {
            parts.add("evaluators " + p.evaluators().stream().map(m -> m.name() + " " + m.version())
                    .collect(Collectors.joining(", ")));
        }
        return String.join("; ", parts);
    }

    private static Map<String, Object> plugin(PluginInfo p) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("file", p.file().toString());
        o.put("status", p.status().name());
        o.put("reason", p.reason());
        o.put("editors", p.editors().stream().map(m -> Map.of("name", m.name(), "version", m.version())).toList());
        o.put("evaluators", p.evaluators().stream().map(m -> Map.of("name", m.name(), "version", m.version())).toList());
        o.put("loaded_at", p.loadedAt().toString());
        o.put("size", p.size());
        o.put("sha256", p.sha256());
        return o;
    }

    private static Map<String, Object> method(MethodInfo m) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", m.name());
        o.put("kind", m.kind());
        o.put("version", m.version());
        o.put("origin", m.origin());
        o.put("description", m.description());
        if (m.protocol() != null) {
            o.put("protocol", m.protocol());
        }
        if ("editor".equals(m.kind())) {
            List<Map<String, Object>> hp = new ArrayList<>();
            for (MethodInfo.HyperparameterInfo h : m.hyperparameters()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("name", h.name());
                e.put("type", h.type());
                e.put("default", h.defaultValue());
                hp.add(e);
            }
            o.put("hyperparameters", hp);
        }
        return o;
    }
}
