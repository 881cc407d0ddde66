package dev.amend.server.editing;

import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.runtime.ledger.LedgerWriter;
import dev.amend.runtime.ledger.PatchImport;
import dev.amend.runtime.ledger.RollbackResult;
import dev.amend.server.model.HostedModel;
import dev.amend.server.model.HostedModels;
import dev.amend.server.model.NotFoundException;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.WeightDelta;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The applied edits of the served models: list and show them (from the ledger), roll them back, export them as a
 * patch file and import one. Rollbacks and imports change weights, so they run on the {@link EditThread}, holding the
 * model's writer right after taking other replicas' changes when the ledger is shared.
 */
@ApplicationScoped
public class EditHistory {
    private static final Logger LOG = Logger.getLogger(EditHistory.class);

    @Inject
    HostedModels models;

    @Inject
    EditThread thread;

    /** Returns the applied edits of {@code model}, oldest first. */
    public List<LedgerEntry> entries(String model) {
        HostedModel m = models.get(model);
        return m.read(() -> m.ledger().entries());
    }

    /** Returns applied edit {@code id} of {@code model}, or throws {@link NotFoundException}. */
    public LedgerEntry entry(String model, String id) {
        HostedModel m = models.get(model);
        return m.read(() -> m.ledger().entry(id)).orElseThrow(() -> new NotFoundException("edit \"" + id
                + "\" is not applied to model " + model + " (GET /api/v1/models/" + model + "/edits lists them)"));
    }

    /** Returns the result of rolling back {@code ids} of {@code model} (run on the edit thread). */
    public RollbackOutcome rollback(String model, List<String> ids) {
        HostedModel m = models.get(model);
        if (ids.isEmpty()) {
            throw new InvalidRequestException("no edit ids given: name the edits to roll back");
        }
        for (String id : ids) {
            entry(model, id);
        }
        return thread.call(() -> {
            try (LedgerWriter.Hold writer = holdCaughtUp(m)) {
                Set<String> touched = weights(m.read(() -> m.ledger().history()));
                RollbackResult r = m.write(() -> m.ledger().rollback(ids));
                m.syncWorking(touched);
                return new RollbackOutcome(r, m.weightsHash());
            }
        });
    }

    /** Returns the patch file of {@code ids} of {@code model} (all applied edits when empty). */
    public byte[] exportPatch(String model, List<String> ids) {
        for (String id : ids) {
            entry(model, id);
        }
        HostedModel m = models.get(model);
        return m.read(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            m.ledger().exportPatch(ids, out);
            return out.toByteArray();
        });
    }

    /**
     * Returns what importing {@code patch} into {@code model} did: the entries it added and the edits it skipped
     * because the history holds them already (run on the edit thread; checks the base model hash).
     */
    public PatchImport importPatch(String model, byte[] patch) {
        HostedModel m = models.get(model);
        if (patch == null || patch.length == 0) {
            throw new InvalidRequestException("the patch is empty: send the bytes of an exported patch file");
        }
        return thread.call(() -> {
            try (LedgerWriter.Hold writer = holdCaughtUp(m)) {
                PatchImport report = m.write(() -> m.ledger().importPatchReport(new ByteArrayInputStream(patch)));
                m.syncWorking(weights(report.added().stream().map(LedgerEntry::edit).toList()));
                return report;
            }
        });
    }

    /**
     * Returns the right to change {@code model}'s history, held, with its serving and working weights brought to the
     * shared history (other replicas' edits and rollbacks) first; for a file ledger nothing is shared and nothing to
     * catch up. Call on the edit thread before a change.
     *
     * @throws dev.amend.runtime.ledger.LedgerUnavailableException when the right is not free in time or the database
     *                                                            does not answer
     */
    static LedgerWriter.Hold holdCaughtUp(HostedModel model) {
        LedgerWriter.Hold writer = model.holdWriter();
        try {
            EditLedger.CatchUp c = model.catchUp();
            if (!c.isEmpty()) {
                LOG.infof("model %s: applied %d edit(s) and %d rollback(s) of other replicas before this change",
                        model.name(), c.added().size(), c.rolledBack().size());
            }
            model.syncStaleWorking();
            return writer;
        } catch (RuntimeException | Error e) {
            writer.close();
            throw e;
        }
    }

    private static Set<String> weights(List<Edit> edits) {
        Set<String> out = new LinkedHashSet<>();
        for (Edit e : edits) {
            for (WeightDelta d : e.deltas()) {
                out.add(d.weight());
            }
        }
        return out;
    }
}
