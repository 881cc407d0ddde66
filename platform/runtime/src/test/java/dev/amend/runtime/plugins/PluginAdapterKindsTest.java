package dev.amend.runtime.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.AdapterKinds;
import dev.amend.runtime.plugins.PluginInfo.Status;
import dev.amend.spi.AdapterKind;
import dev.amend.spi.InvalidRequestException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adapter kinds from plugin jars: a jar providing only a kind loads and lists it; the catalog's kinds find it while
 * the jar is installed and say it is not installed once the jar is gone; a second jar with the same kind fails on
 * the clash and loads when the name is free.
 */
class PluginAdapterKindsTest {
    @TempDir
    Path tmp;

    private static PluginJars kind(String pkg, String name, String version) {
        return PluginJars.builder().source(pkg + ".Kind", """
                package %s;
                public final class Kind implements dev.amend.spi.AdapterKind {
                    public String kind() { return "%s"; }
                    public String version() { return "%s"; }
                    public void check(dev.amend.spi.edit.Adapter a, dev.amend.spi.model.ModelArchitecture arch) { }
                    public dev.amend.spi.model.AdapterModule build(java.util.List<dev.amend.spi.edit.Adapter> list,
                            ai.djl.ndarray.NDManager manager) {
                        return (key, value) -> value;
                    }
                }
                """.formatted(pkg, name, version)).service(AdapterKind.class, pkg + ".Kind");
    }

    private static PluginInfo info(PluginCatalog catalog, String file) {
        return catalog.plugins().stream().filter(p -> p.file().getFileName().toString().equals(file)).findFirst()
                .orElseThrow();
    }

    @Test
    void aJarsAdapterKindIsServedWhileTheJarIsInstalled() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("plugins"));
        kind("p.tiny", "tiny-kind", "3").writeTo(dir.resolve("kinds.jar"));
        try (PluginCatalog catalog = PluginCatalog.open(dir, Duration.ZERO)) {
            PluginInfo info = info(catalog, "kinds.jar");
            assertEquals(Status.LOADED, info.status(), info.reason());
            assertEquals(List.of(new PluginInfo.Provided("tiny-kind", "3")), info.adapterKinds());
            assertEquals(List.of(), info.editors());
            AdapterKinds kinds = catalog.adapterKinds();
            assertEquals("3", kinds.require("tiny-kind").version());

            kind("p.twin", "tiny-kind", "4").writeTo(dir.resolve("twin.jar"));
            catalog.refresh();
            PluginInfo twin = info(catalog, "twin.jar");
            assertEquals(Status.FAILED, twin.status());
            assertTrue(twin.reason().contains("adapter kind \"tiny-kind\" is already provided by plugin:kinds.jar"),
                    twin.reason());

            Files.delete(dir.resolve("kinds.jar"));
            catalog.refresh();
            assertEquals(Status.LOADED, info(catalog, "twin.jar").status(), "the freed kind goes to the other jar");
            assertEquals("4", kinds.require("tiny-kind").version(), "a model's kinds see the catalog as it is now");

            Files.delete(dir.resolve("twin.jar"));
            catalog.refresh();
            InvalidRequestException gone = assertThrows(InvalidRequestException.class,
                    () -> kinds.require("tiny-kind"));
            assertTrue(gone.getMessage().contains("\"tiny-kind\" is not installed"), gone.getMessage());
        }
    }
}
