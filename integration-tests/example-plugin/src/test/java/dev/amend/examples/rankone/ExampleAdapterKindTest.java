package dev.amend.examples.rankone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.plugins.EditorLease;
import dev.amend.runtime.plugins.PluginCatalog;
import dev.amend.runtime.plugins.PluginInfo;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example plugin's adapter kind, hot-loaded from its jar: the catalog lists it with the jar, a model that looks
 * kinds up in the catalog runs the editor's {@code as_adapter} form, whose adapter answers as the weight delta does,
 * and a model that knows only the class path's kinds refuses it, unchanged.
 */
class ExampleAdapterKindTest {
    @TempDir
    Path tmp;

    private static float[] logits(Transformer model, int[] ids) {
        try (ForwardResult r = model.forward(ForwardRequest.builder(List.of(ids)).build())) {
            return r.logits().toFloatArray();
        }
    }

    private Edit compute(PluginCatalog catalog, Transformer model, boolean asAdapter) {
        try (EditorLease lease = catalog.leaseEditor(ExamplePluginTest.NAME, model.architecture(),
                Map.of("v_num_grad_steps", 10, "as_adapter", asAdapter), "test")) {
            return lease.editor().computeEdit(model, List.of(ExamplePluginTest.REQUEST), EditContext.defaults(tmp, null));
        }
    }

    @Test
    void theAdapterFormAnswersAsTheWeightDeltaAndNeedsThePluginsKind() throws Exception {
        String jar = System.getProperty("amend.example.plugin.jar");
        Assumptions.assumeTrue(jar != null && Files.isRegularFile(Path.of(jar)),
                "the example plugin's jar is missing: run through Maven, which packages it before the tests");
        Path dir = Files.createDirectories(tmp.resolve("plugins"));
        Files.copy(Path.of(jar), dir.resolve("example-plugin.jar"));
        try (PluginCatalog catalog = PluginCatalog.open(dir, Duration.ZERO);
             Transformer model = TinyModels.random(TinyModels.gpt2(), 11, CharTokenizer.INSTANCE)) {
            assertEquals(List.of(new PluginInfo.Provided(RankOneKind.KIND,
                    System.getProperty("amend.example.plugin.version"))), catalog.plugins().get(0).adapterKinds());
            int[] ids = CharTokenizer.INSTANCE.encode(ExamplePluginTest.REQUEST.filledPrompt(), true);
            float[] base = logits(model, ids);

            InvalidRequestException missing = assertThrows(InvalidRequestException.class,
                    () -> compute(catalog, model, true));
            assertTrue(missing.getMessage().contains("\"" + RankOneKind.KIND + "\" is not installed"),
                    missing.getMessage());
            assertArrayEquals(base, logits(model, ids), 0f, "the refused edit left the model as it was");

            Edit asDelta = compute(catalog, model, false);
            model.useAdapterKinds(catalog.adapterKinds());
            Edit asAdapter = compute(catalog, model, true);
            assertEquals(List.of(), asAdapter.deltas());
            assertEquals(1, asAdapter.adapters().size());
            assertEquals(RankOneKind.KIND, asAdapter.adapters().get(0).kind());
            assertEquals(List.of(), model.adapters(), "computeEdit removes the adapters it added");

            asDelta.applyTo(model);
            float[] withDelta = logits(model, ids);
            asDelta.revertFrom(model);
            asAdapter.applyTo(model);
            float[] withAdapter = logits(model, ids);
            asAdapter.revertFrom(model);
            float largest = 0;
            float moved = 0;
            for (int i = 0; i < base.length; i++) {
                largest = Math.max(largest, Math.abs(withDelta[i]));
                moved = Math.max(moved, Math.abs(withDelta[i] - base[i]));
            }
            assertTrue(moved > 1e-2, "the edit changes the logits");
            assertArrayEquals(withDelta, withAdapter, 1e-4f * largest, "the adapter adds what the weight delta adds");
            assertArrayEquals(base, logits(model, ids), 1e-5f * largest, "both roll back");
        }
    }
}
