package dev.amend.server.model;

import ai.djl.Device;
import dev.amend.demo.DemoModel;
import dev.amend.kit.CorpusFile;
import dev.amend.runtime.io.Devices;
import dev.amend.runtime.io.ModelLoader;
import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.ledger.LedgerDatabase;
import dev.amend.runtime.ledger.LedgerException;
import dev.amend.runtime.model.Precision;
import dev.amend.runtime.model.Residency;
import dev.amend.runtime.model.Transformer;
import dev.amend.server.editing.Methods;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.TextCorpus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The models this host serves, by name: the demo model (unless {@code amend.demo.enabled=false}) and the
 * checkpoints listed in {@code amend.models} ({@code name=path} or a path, named after its directory or
 * file): Hugging Face directories, or llama2.c {@code .bin} files with their {@code tok*.bin} beside them.
 * A served model's layer statistics come from {@code amend.corpus.<name>} (a local text file; the demo
 * model uses its own training text); without one, methods that need statistics refuse to edit it. Loaded at
 * startup; each has its own ledger under {@code amend.data-dir}, or, with {@code amend.ledger.url=jdbc:postgresql://...},
 * in that database, shared with the other replicas of the host: each model then follows the other replicas' changes.
 */
@ApplicationScoped
public class HostedModels {
    private static final Logger LOG = Logger.getLogger(HostedModels.class);

    @ConfigProperty(name = "amend.demo.enabled", defaultValue = "true")
    boolean demoEnabled;

    @ConfigProperty(name = "amend.models")
    Optional<List<String>> extraModels;

    @ConfigProperty(name = "amend.device", defaultValue = "cpu")
    String device;

    @ConfigProperty(name = "amend.edit.isolate", defaultValue = "true")
    boolean isolate;

    @ConfigProperty(name = "amend.data-dir")
    Path dataDir;

    @Inject
    LedgerSettings ledgerSettings;

    @Inject
    Methods methods;

    private final Map<String, HostedModel> models = new LinkedHashMap<>();
    private final List<LedgerFollower> followers = new ArrayList<>();
    private volatile boolean ready;

    void start(@Observes StartupEvent event) {
        if (demoEnabled) {
            Residency where = residency("demo");
            Transformer demo = DemoModel.load(where);
            add("demo", "the embedded demo model (" + DemoModel.directory() + ")", demo,
                    isolate ? DemoModel.load(where) : demo, DemoModel.statisticsCorpus());
        }
        for (String spec : extraModels.orElse(List.of())) {
            if (spec.isBlank()) {
                continue;
            }
            int eq = spec.indexOf('=');
            Path path = Path.of(eq > 0 ? spec.substring(eq + 1).strip() : spec.strip());
            String name = eq > 0 ? spec.substring(0, eq).strip() : path.getFileName().toString().replaceFirst("\\.bin$", "");
            if (models.containsKey(name)) {
                throw new IllegalStateException("amend.models names model \"" + name + "\" twice: give each a distinct"
                        + " name (name=path)");
            }
            Path tokenizer = llama2cTokenizer(path);
            Residency where = residency(name);
            Transformer serving = ModelLoader.load(path, tokenizer, where);
            TextCorpus corpus = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                    .getOptionalValue("amend.corpus." + name, String.class).map(f -> CorpusFile.read(Path.of(f)))
                    .orElse(null);
            add(name, path.toAbsolutePath().toString(), serving,
                    isolate ? ModelLoader.load(path, tokenizer, where) : serving, corpus);
        }
        ready = true;
        LOG.infof("serving %s (edits %s; ledger %s)", models.keySet(),
                isolate ? "computed on a separate copy of the weights" : "computed under the write lock",
                ledgerSettings.database().map(d -> "shared in " + d.location()).orElse("in " + dataDir));
    }

    /**
     * Returns where model {@code name}'s weights live and in what type: {@code amend.dtype.<name>}, else
     * {@code amend.dtype} (float32, float16 or bfloat16; default float32), on {@code amend.devices.<name>}, else
     * {@code amend.devices} (a list such as cuda:0,cuda:1 spreads the blocks), else {@code amend.device}.
     */
    private Residency residency(String name) {
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        String type = config.getOptionalValue("amend.dtype." + name, String.class)
                .or(() -> config.getOptionalValue("amend.dtype", String.class)).orElse("float32");
        Optional<String> list = config.getOptionalValue("amend.devices." + name, String.class)
                .or(() -> config.getOptionalValue("amend.devices", String.class));
        List<Device> where = list.isPresent() ? Devices.parseList(list.get()) : List.of(Devices.parse(device));
        return new Residency(Precision.parse(type), where);
    }

    /** Returns the {@code tok*.bin} beside a llama2.c checkpoint (the first by name), or null for other formats. */
    private static Path llama2cTokenizer(Path model) {
        if (!Files.isRegularFile(model) || !model.getFileName().toString().endsWith(".bin")) {
            return null;
        }
        try (var files = Files.list(model.toAbsolutePath().getParent())) {
            return files.filter(f -> f.getFileName().toString().matches("tok.*\\.bin")).sorted().findFirst()
                    .orElse(null);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Serves model {@code name} after its ledger replayed its edits; both copies look adapter kinds up in the plugin
     * catalog first, so edits whose adapters come from a plugin jar replay when that jar is installed.
     */
    private void add(String name, String source, Transformer serving, Transformer working, TextCorpus corpus) {
        serving.useAdapterKinds(methods.catalog().adapterKinds());
        working.useAdapterKinds(methods.catalog().adapterKinds());
        HostedModel m = new HostedModel(name, source, serving, working, openLedger(name, serving), corpus,
                ledgerSettings.writerWait());
        models.put(name, m);
        if (m.ledger().shared()) {
            followers.add(new LedgerFollower(m));
        }
        java.util.Set<String> touched = new java.util.TreeSet<>();
        m.ledger().history().forEach(e -> e.deltas().forEach(d -> touched.add(d.weight())));
        m.syncWorking(touched);
    }

    /**
     * Returns the durable ledger of model {@code name} under the data directory, after it replayed the acknowledged
     * edits onto {@code serving}. A ledger that cannot be opened safely (damaged, written for another base model,
     * open in another process) stops the host from starting: serving the model without its acknowledged edits
     * would silently answer with the knowledge those edits replaced.
     */
    private EditLedger openLedger(String name, Transformer serving) {
        EditLedger ledger;
        try {
            Optional<LedgerDatabase> shared = ledgerSettings.database();
            ledger = shared.isPresent() ? EditLedger.open(shared.get(), serving)
                    : EditLedger.open(dataDirectory(), serving);
        } catch (LedgerException e) {
            throw new IllegalStateException("model " + name + ": its edit ledger cannot be opened, so the host does not"
                    + " start (it would serve the model without its acknowledged edits): " + e.getMessage(), e);
        }
        EditLedger.Recovery r = ledger.recovery();
        String kind = ledger.shared() ? "shared" : "durable";
        if (r.created()) {
            LOG.infof("model %s: new %s ledger in %s", name, kind, ledger.location());
        } else {
            LOG.infof("model %s: %s ledger in %s: replayed %d acknowledged edit(s) in %.2f s%s%s", name, kind,
                    ledger.location(), r.replayedEdits(), r.replaySeconds(),
                    r.tornBytes() > 0 ? "; dropped a torn last journal line of " + r.tornBytes() + " bytes" : "",
                    r.removedFiles().isEmpty() ? "" : "; removed " + r.removedFiles());
        }
        return ledger;
    }

    private Path dataDirectory() {
        try {
            Files.createDirectories(dataDir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the data directory " + dataDir
                    + ": set amend.data-dir (./amend serve --data-dir DIR) to a writable folder", e);
        }
        return dataDir;
    }

    void stop(@Observes ShutdownEvent event) {
        followers.forEach(LedgerFollower::close);
        followers.clear();
        for (HostedModel m : models.values()) {
            try {
                m.close();
            } catch (Exception e) {
                LOG.warnf(e, "closing %s", m.name());
            }
        }
        models.clear();
    }

    /** Returns true once every configured model is loaded. */
    public boolean ready() {
        return ready;
    }

    /** Returns the served models in configuration order. */
    public Collection<HostedModel> all() {
        return List.copyOf(models.values());
    }

    /** Returns the model called {@code name}, or throws {@link UnknownModelException} listing the served ones. */
    public HostedModel get(String name) {
        HostedModel m = models.get(name);
        if (m == null) {
            throw new UnknownModelException(name, new ArrayList<>(models.keySet()));
        }
        return m;
    }

    /** Returns the model called {@code name}, or the first served model when {@code name} is null or blank. */
    public HostedModel getOrFirst(String name) {
        if (name == null || name.isBlank()) {
            return models.values().stream().findFirst()
                    .orElseThrow(() -> new InvalidRequestException("no model is served"));
        }
        return get(name);
    }

    /** Returns the data directory. */
    public Path dataDir() {
        return dataDir;
    }
}
