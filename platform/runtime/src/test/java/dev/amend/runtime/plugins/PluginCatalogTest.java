package dev.amend.runtime.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.plugins.PluginInfo.Status;
import dev.amend.spi.EditorDecorator;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.EvaluatorProvider;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.hparams.InvalidHyperparametersException;
import dev.amend.spi.model.ModelArchitecture;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin catalog on jars compiled in the test: loading, failures, clashes, hot replacement and leases. */
class PluginCatalogTest {
    static final ModelArchitecture ARCH = new ModelArchitecture("gpt2", 6, 16, 64, 100, 32, 0, "float32", List.of());
    static final EditRequest REQUEST = new EditRequest("The capital of {} is", "France", "Rome", List.of());

    @TempDir
    Path tmp;

    Path dir;
    URLClassLoader classPath;

    @BeforeEach
    void classPathWithFixture() throws IOException {
        dir = Files.createDirectories(tmp.resolve("plugins"));
        Path cp = tmp.resolve("classpath");
        Files.createDirectories(cp.resolve("META-INF/services"));
        Files.writeString(cp.resolve("META-INF/services/" + EditorProvider.class.getName()),
                ClassPathFixtureProvider.class.getName() + "\n");
        classPath = new URLClassLoader(new URL[] {cp.toUri().toURL()}, getClass().getClassLoader());
    }

    @AfterEach
    void closeLoader() throws IOException {
        classPath.close();
    }

    PluginCatalog open() {
        return PluginCatalog.open(dir, Duration.ZERO, classPath);
    }

    static EditContext ctx(Path cache) {
        return EditContext.defaults(cache, null);
    }

    @Test
    void servesTheClassPathAndAJarWithSchemaDefaultsAndOrigins() {
        PluginJars.builder().editor("p.alpha", "alpha", "1.0").writeTo(dir.resolve("alpha.jar"));
        try (PluginCatalog catalog = open()) {
            PluginInfo info = catalog.plugins().get(0);
            assertEquals(Status.LOADED, info.status(), info.reason());
            assertEquals(List.of(new PluginInfo.Provided("alpha", "1.0")), info.editors());
            assertEquals(64, info.sha256().length());
            Map<String, MethodInfo> editors = catalog.editors(ARCH).stream()
                    .collect(Collectors.toMap(MethodInfo::name, m -> m));
            assertEquals("classpath", editors.get("fixture-classpath").origin());
            MethodInfo alpha = editors.get("alpha");
            assertEquals("plugin:alpha.jar", alpha.origin());
            assertEquals("1.0", alpha.version());
            assertEquals("test plugin alpha", alpha.description());
            assertEquals(List.of(new MethodInfo.HyperparameterInfo("layer", "int", 5),
                    new MethodInfo.HyperparameterInfo("scale", "double", 0.5)), alpha.hyperparameters());
            assertEquals(List.of(new MethodInfo.HyperparameterInfo("steps", "int", 3),
                    new MethodInfo.HyperparameterInfo("layers", "list<int>", List.of(3))),
                    editors.get("fixture-classpath").hyperparameters());
            assertNull(catalog.editors().stream().filter(m -> m.name().equals("alpha")).findFirst().orElseThrow()
                    .hyperparameters().get(0).defaultValue(), "no architecture, no defaults");
            try (EditorLease lease = catalog.leaseEditor("ALPHA", ARCH, Map.of("scale", 2), "test")) {
                assertEquals("plugin:alpha.jar", lease.origin());
                Edit e = lease.editor().computeEdit(null, List.of(REQUEST), ctx(tmp));
                assertEquals("1.0", e.metadata().get("marker"));
                assertEquals(5, e.hyperparameters().get("layer"));
                assertEquals(1, catalog.plugins().get(0).leases());
            }
            assertEquals(0, catalog.plugins().get(0).leases());
            assertThrows(InvalidHyperparametersException.class,
                    () -> catalog.leaseEditor("alpha", ARCH, Map.of("nonsense", 1), "test"));
            assertEquals(0, catalog.plugins().get(0).leases(), "a failed lease releases its pin");
        }
    }

    @Test
    void aDecoratorOnTheClassPathWrapsAPluginsMethodByTheComposedName() throws IOException {
        Files.writeString(tmp.resolve("classpath/META-INF/services/" + EditorDecorator.class.getName()),
                ClassPathFixtureDecorator.class.getName() + "\n");
        PluginJars.builder().editor("p.alpha", "alpha", "1.0").writeTo(dir.resolve("alpha.jar"));
        try (PluginCatalog catalog = open()) {
            try (EditorLease lease = catalog.leaseEditor("fixture-wrap+alpha", ARCH, Map.of("rounds", 3,
                    "base", Map.of("scale", 2)), "test")) {
                assertEquals("classpath+plugin:alpha.jar", lease.origin());
                assertEquals(1, catalog.plugins().get(0).leases(), "the base method's jar is pinned");
                Edit e = lease.editor().computeEdit(null, List.of(REQUEST), ctx(tmp));
                assertEquals("fixture-wrap", e.method());
                assertEquals("alpha", e.metadata().get("wrapped"));
                assertEquals("1.0", e.metadata().get("marker"), "the plugin's editor computed it");
            }
            assertEquals(0, catalog.plugins().get(0).leases());
            InvalidRequestException unknown = assertThrows(InvalidRequestException.class,
                    () -> catalog.leaseEditor("fixture-wrap+nope", ARCH, Map.of(), "test"));
            assertTrue(unknown.getMessage().startsWith("unknown method \"nope\""), unknown.getMessage());
            assertThrows(InvalidRequestException.class, () -> catalog.leaseEditor("nope+alpha", ARCH, Map.of(), "t"));
        }
    }

    @Test
    void brokenJarsAreReportedWithTheirReasonAndTheRestIsServed() throws IOException {
        PluginJars.builder().editor("p.good", "good", "1").writeTo(dir.resolve("a-good.jar"));
        // the provider extends a class that is not in the jar
        PluginJars.builder().source("p.missing.Base", "package p.missing; public abstract class Base {}")
                .source("p.missing.Provider", """
                        package p.missing;
                        import dev.amend.spi.*;
                        import dev.amend.spi.edit.*;
                        import dev.amend.spi.model.*;
                        public final class Provider extends Base implements EvaluatorProvider {
                            public String name() { return "missing"; }
                            public String version() { return "1"; }
                            public String protocol() { return "x"; }
                            public Evaluator create() { return null; }
                        }
                        """).omit("p.missing.Base").service(EvaluatorProvider.class, "p.missing.Provider")
                .writeTo(dir.resolve("b-missing-class.jar"));
        PluginJars.builder().source("p.ctor.Provider", """
                        package p.ctor;
                        import dev.amend.spi.*;
                        import dev.amend.spi.edit.*;
                        import dev.amend.spi.model.*;
                        public final class Provider implements EvaluatorProvider {
                            public Provider() { throw new IllegalStateException("constructor refuses"); }
                            public String name() { return "ctor"; }
                            public String version() { return "1"; }
                            public String protocol() { return "x"; }
                            public Evaluator create() { return null; }
                        }
                        """).service(EvaluatorProvider.class, "p.ctor.Provider").writeTo(dir.resolve("c-ctor.jar"));
        PluginJars.builder().source("p.name.Provider", """
                        package p.name;
                        import dev.amend.spi.*;
                        import dev.amend.spi.edit.*;
                        import dev.amend.spi.model.*;
                        public final class Provider implements EvaluatorProvider {
                            public String name() { throw new UnsupportedOperationException("no name today"); }
                            public String version() { return "1"; }
                            public String protocol() { return "x"; }
                            public Evaluator create() { return null; }
                        }
                        """).service(EvaluatorProvider.class, "p.name.Provider").writeTo(dir.resolve("d-name.jar"));
        PluginJars.builder().editor("p.cp", "fixture-classpath", "9").writeTo(dir.resolve("e-classpath-clash.jar"));
        PluginJars.builder().editor("p.good2", "good", "2").writeTo(dir.resolve("f-jar-clash.jar"));
        Files.write(dir.resolve("g-corrupt.jar"), "PK\u0003\u0004 this is not a zip".getBytes());
        PluginJars.builder().source("p.none.Nothing", "package p.none; public class Nothing {}")
                .writeTo(dir.resolve("h-no-services.jar"));
        // the hyperparameter type of the provider is not in the jar: NoClassDefFoundError when asked for it
        PluginJars.builder().editor("p.params", "params", "1").omit("p.params.Params")
                .writeTo(dir.resolve("i-missing-params.jar"));
        Files.writeString(dir.resolve("notes.txt"), "not a jar, ignored");
        try (PluginCatalog catalog = open()) {
            Map<String, PluginInfo> byFile = catalog.plugins().stream()
                    .collect(Collectors.toMap(p -> p.file().getFileName().toString(), p -> p));
            assertEquals(9, byFile.size(), byFile.keySet().toString());
            assertEquals(Status.LOADED, byFile.get("a-good.jar").status());
            assertFailed(byFile.get("b-missing-class.jar"), "p/missing/Base");
            assertFailed(byFile.get("b-missing-class.jar"), "bundle the plugin's own dependencies");
            assertFailed(byFile.get("c-ctor.jar"), "constructor refuses");
            assertFailed(byFile.get("d-name.jar"), "no name today");
            assertFailed(byFile.get("e-classpath-clash.jar"), "\"fixture-classpath\" is already provided by the class path");
            assertFailed(byFile.get("f-jar-clash.jar"), "\"good\" is already provided by plugin:a-good.jar");
            assertFailed(byFile.get("g-corrupt.jar"), "not a readable jar");
            assertFailed(byFile.get("h-no-services.jar"), "provides no editor or evaluator");
            assertFailed(byFile.get("i-missing-params.jar"), "p/params/Params");
            // code that threw is moved to rejected/; unfit jars and lost name clashes stay where they are
            for (String rejected : List.of("b-missing-class.jar", "c-ctor.jar", "d-name.jar", "i-missing-params.jar")) {
                assertTrue(Files.isRegularFile(dir.resolve("rejected").resolve(rejected)), rejected);
                assertFailed(byFile.get(rejected), "rejected: moved to rejected/" + rejected);
            }
            for (String stays : List.of("e-classpath-clash.jar", "f-jar-clash.jar", "g-corrupt.jar", "h-no-services.jar")) {
                assertTrue(Files.isRegularFile(dir.resolve(stays)), stays);
            }
            assertEquals(List.of("fixture-classpath", "good"), catalog.editors().stream().map(MethodInfo::name).toList());
            assertTrue(catalog.evaluators().isEmpty());
            try (EditorLease lease = catalog.leaseEditor("good", ARCH, Map.of(), "test")) {
                assertEquals("1", lease.version());
                assertEquals("classpath", catalog.leaseEditor("fixture-classpath", ARCH, Map.of(), "t").origin());
            }
            InvalidRequestException unknown = assertThrows(InvalidRequestException.class,
                    () -> catalog.leaseEditor("params", ARCH, Map.of(), "test"));
            assertEquals("unknown method \"params\": installed methods are fixture-classpath, good", unknown.getMessage());
            assertThrows(InvalidRequestException.class, () -> catalog.leaseEvaluator("ctor"));

            // the first jar goes: the one that lost the clash loads now
            Files.delete(dir.resolve("a-good.jar"));
            catalog.refresh();
            PluginInfo second = catalog.plugins().stream()
                    .filter(p -> p.file().getFileName().toString().equals("f-jar-clash.jar")).findFirst().orElseThrow();
            assertEquals(Status.LOADED, second.status(), second.reason());
            try (EditorLease lease = catalog.leaseEditor("good", ARCH, Map.of(), "test")) {
                assertEquals("2", lease.version());
                assertEquals("plugin:f-jar-clash.jar", lease.origin());
            }
        }
    }

    static void assertFailed(PluginInfo info, String reasonPart) {
        assertNotNull(info);
        assertEquals(Status.FAILED, info.status());
        assertTrue(info.reason() != null && info.reason().contains(reasonPart),
                "reason of " + info.file().getFileName() + " should contain <" + reasonPart + ">: " + info.reason());
        assertTrue(info.editors().isEmpty() && info.evaluators().isEmpty());
    }

    @Test
    void replacingAJarServesTheNewVersionWhileLeasesOnTheOldKeepWorking() throws IOException {
        Path jar = dir.resolve("swap.jar");
        PluginJars.builder().editor("p.swap", "swap", "1.0").writeTo(jar);
        List<PluginEvent> events = new CopyOnWriteArrayList<>();
        try (PluginCatalog catalog = open()) {
            catalog.addListener(events::add);
            EditorLease v1 = catalog.leaseEditor("swap", ARCH, Map.of(), "test");
            PluginJars.builder().editor("p.swap", "swap", "2.0").writeTo(jar);
            catalog.refresh();
            assertEquals(List.of(PluginEvent.Kind.UNLOADED, PluginEvent.Kind.LOADED),
                    events.stream().map(PluginEvent::kind).toList());
            assertEquals(List.of(new PluginInfo.Provided("swap", "2.0")), catalog.plugins().get(0).editors());
            List<PluginInfo> retired = catalog.retired();
            assertEquals(1, retired.size());
            assertEquals(Status.RETIRED, retired.get(0).status());
            assertEquals(1, retired.get(0).leases());
            try (EditorLease v2 = catalog.leaseEditor("swap", ARCH, Map.of(), "test")) {
                assertEquals("2.0", v2.version());
                assertEquals("2.0", v2.editor().computeEdit(null, List.of(REQUEST), ctx(tmp)).metadata().get("marker"));
            }
            // the old editor's lazily loaded class still comes from the old jar
            assertEquals("1.0", v1.version());
            Edit old = v1.editor().computeEdit(null, List.of(REQUEST), ctx(tmp));
            assertEquals("1.0", old.metadata().get("marker"));
            assertEquals("1.0", old.methodVersion());
            v1.close();
            v1.close();
            assertTrue(catalog.retired().isEmpty(), "the old loader closes with its last lease");
            // removal: new leases fail with the list of what is left, a lease taken before keeps working
            EditorLease held = catalog.leaseEditor("swap", ARCH, Map.of(), "test");
            Files.delete(jar);
            catalog.refresh();
            assertTrue(catalog.plugins().isEmpty());
            InvalidRequestException gone = assertThrows(InvalidRequestException.class,
                    () -> catalog.leaseEditor("swap", ARCH, Map.of(), "test"));
            assertTrue(gone.getMessage().contains("installed methods are fixture-classpath"), gone.getMessage());
            assertEquals("2.0", held.editor().computeEdit(null, List.of(REQUEST), ctx(tmp)).metadata().get("marker"));
            held.close();
            assertTrue(catalog.retired().isEmpty());
        }
    }

    @Test
    void theWatcherPicksUpAJarAddedLaterAndADirectoryCreatedLater() throws Exception {
        Path later = tmp.resolve("later");
        List<PluginEvent> events = new CopyOnWriteArrayList<>();
        try (PluginCatalog catalog = PluginCatalog.open(later, Duration.ofMillis(50), classPath)) {
            catalog.addListener(events::add);
            assertTrue(catalog.plugins().isEmpty());
            assertEquals(List.of("fixture-classpath"), catalog.editors().stream().map(MethodInfo::name).toList());
            Files.createDirectories(later);
            // a jar being written is not loaded before it is complete: write it under a temporary name
            // the watcher ignores, then it appears at once
            PluginJars.builder().editor("p.late", "late", "1").writeTo(later.resolve("late.jar"));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (events.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(PluginEvent.Kind.LOADED, events.get(0).kind());
            try (EditorLease lease = catalog.leaseEditor("late", ARCH, Map.of(), "test")) {
                assertEquals("1", lease.version());
            }
        }
    }

    @Test
    void aJarThatChangesWhileBeingWrittenIsReloadedOnceComplete() throws Exception {
        Path jar = dir.resolve("slow.jar");
        Path complete = PluginJars.builder().editor("p.slow", "slow", "1").writeTo(tmp.resolve("slow.jar"));
        byte[] bytes = Files.readAllBytes(complete);
        try (PluginCatalog catalog = open()) {
            Files.write(jar, java.util.Arrays.copyOf(bytes, bytes.length / 2));
            catalog.refresh();
            assertFailed(catalog.plugins().get(0), "not a readable jar");
            Files.write(jar, bytes);
            catalog.refresh();
            assertEquals(Status.LOADED, catalog.plugins().get(0).status());
        }
    }

    @Test
    void noDirectoryMeansTheClassPathOnlyAndAClosedCatalogRefusesLeases() {
        PluginCatalog catalog = PluginCatalog.open(null, Duration.ZERO, classPath);
        assertTrue(catalog.plugins().isEmpty());
        assertEquals(1, catalog.editors(ARCH).size());
        catalog.refresh();
        catalog.close();
        assertThrows(IllegalStateException.class, () -> catalog.leaseEditor("fixture-classpath", ARCH, Map.of(), "t"));
    }

    @Test
    void aLeasedJarSurvivesClosingTheCatalogUntilTheLeaseEnds() throws IOException {
        PluginJars.builder().editor("p.held", "held", "1").writeTo(dir.resolve("held.jar"));
        PluginCatalog catalog = open();
        EditorLease lease = catalog.leaseEditor("held", ARCH, Map.of(), "test");
        catalog.close();
        assertEquals("1", lease.editor().computeEdit(null, List.of(REQUEST), ctx(tmp)).metadata().get("marker"));
        assertEquals(1, catalog.retired().size());
        lease.close();
        assertTrue(catalog.retired().isEmpty());
        assertFalse(catalog.plugins().iterator().hasNext());
    }
}
