package dev.amend.server.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import dev.amend.demo.DemoModel;
import dev.amend.runtime.editing.AppliedEdits;
import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recording an edit the pipeline applied to the working copy: the serving copy gets the touched weights copied (not
 * the deltas re-applied), equal to what a restart replays; a refused edit leaves both copies as they were. It runs
 * as a Quarkus test only so that it shares the application's class loader: the tokenizer's native library can be
 * loaded by one class loader per JVM, and the other tests of this module load it through Quarkus.
 */
@QuarkusTest
class HostedModelTest {
    @TempDir
    Path data;

    static Edit edit(EditPoint p, float poison) {
        Random r = new Random(4);
        float[] u = new float[p.outFeatures()];
        float[] v = new float[p.inFeatures()];
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) (0.02 * r.nextGaussian());
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (0.02 * r.nextGaussian());
        }
        u[0] += poison;
        return new Edit("rome", "test", List.of(EditRequest.of("The capital of {} is", "France", " Rome")), Map.of(),
                List.of("{}"), List.of(new WeightDelta.LowRank(p.weight(), p.outFeatures(), p.inFeatures(), 1, u, v)),
                Map.of());
    }

    @Test
    void theServingCopyGetsTheAppliedWeightsOrStaysAsItWas() throws Exception {
        String recorded;
        Transformer serving = DemoModel.load(Device.cpu());
        // closing the hosted model closes both copies and the ledger, which belongs to the serving copy
        try (HostedModel hosted = new HostedModel("demo", "test", serving, DemoModel.load(Device.cpu()),
                EditLedger.open(data, serving), null)) {
            String base = hosted.weightsHash();
            Transformer working = hosted.working();
            Edit bad = edit(working.architecture().editPoint(1), Float.NaN);
            try (AppliedEdits applied = AppliedEdits.of(working, bad)) {
                assertThrows(InvalidRequestException.class, () -> hosted.recordApplied(bad, Map.of(), applied));
            }
            assertEquals(base, hosted.weightsHash(), "the serving copy was put back");
            assertEquals(base, HostedModel.digest(working), "the working copy was restored");

            Edit good = edit(working.architecture().editPoint(1), 0);
            try (AppliedEdits applied = AppliedEdits.of(working, good)) {
                hosted.recordApplied(good, Map.of(), applied);
                applied.keep();
            }
            recorded = hosted.weightsHash();
            assertNotEquals(base, recorded);
            assertEquals(recorded, HostedModel.digest(working), "serving and working hold the same weights");
        }
        try (Transformer fresh = DemoModel.load(Device.cpu()); EditLedger replayed = EditLedger.open(data, fresh)) {
            assertEquals(1, replayed.recovery().replayedEdits());
            assertEquals(recorded, HostedModel.digest(fresh), "a restart replays the same weights bit for bit");
        }
    }
}
