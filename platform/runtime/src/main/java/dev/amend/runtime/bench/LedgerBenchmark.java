package dev.amend.runtime.bench;

import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.runtime.ledger.RollbackResult;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Times the edit ledger on a real model: recording rank-one edits of ROME's size (one [out, in] factor
 * pair on an edit point) and dense edits of a whole edit-point matrix, reopening (replay onto a freshly
 * loaded model), a rollback in the middle of the history, and a patch export and import. The deltas are
 * random with the real shapes (the ledger's cost does not depend on how they were computed).
 */
public final class LedgerBenchmark {
    private LedgerBenchmark() {
    }

    /**
     * The figures.
     *
     * @param model             the model's name
     * @param parameters        the model's parameter count
     * @param rankOneEdits      rank-one edits recorded
     * @param denseEdits        dense edits recorded
     * @param rankOneMillis     milliseconds per rank-one record (mean, median, 95th percentile)
     * @param denseMillis       milliseconds per dense record (mean, median, 95th percentile)
     * @param rankOneBytes      bytes of one rank-one deltas file
     * @param denseBytes        bytes of one dense deltas file
     * @param ledgerBytes       bytes of the ledger directory after recording
     * @param baseCopyBytes     bytes of base weights kept for rollback (only the weights edits touched)
     * @param modelBytes        bytes of the model's weights
     * @param loadSeconds       loading a fresh model (for comparison with the replay)
     * @param replaySeconds     reopening the ledger on a fresh model: read, check and re-apply every edit
     * @param rollbackSeconds   rolling back the edit in the middle of the history
     * @param exportSeconds     exporting every edit as a patch
     * @param patchBytes        the patch's size
     * @param importSeconds     importing the patch into an empty ledger on another fresh model
     * @param bitExact          true when the replayed and imported weights equal the recorded ones bit for bit
     */
    public record Result(String model, long parameters, int rankOneEdits, int denseEdits, double[] rankOneMillis,
                         double[] denseMillis, long rankOneBytes, long denseBytes, long ledgerBytes, long baseCopyBytes,
                         long modelBytes, double loadSeconds, double replaySeconds, double rollbackSeconds,
                         double exportSeconds, long patchBytes, double importSeconds, boolean bitExact) {
    }

    /** Returns the figures for {@code rankOne} rank-one and {@code dense} dense edits on models from {@code fresh}, in {@code dir}. */
    public static Result run(Supplier<EditableModel> fresh, Path dir, int rankOne, int dense) throws IOException {
        Random r = new Random(11);
        EditableModel model = fresh.get();
        long modelBytes = 0;
        for (String n : model.weightNames()) {
            modelBytes += 4 * model.weight(n).size();
        }
        List<Double> oneMs = new ArrayList<>();
        List<Double> denseMs = new ArrayList<>();
        long oneBytes = 0;
        long denseBytes = 0;
        long baseCopy;
        Map<String, int[]> recorded;
        String middle;
        try (EditLedger ledger = EditLedger.open(dir, model)) {
            int total = rankOne + dense;
            for (int i = 0; i < total; i++) {
                boolean isDense = dense > 0 && i % Math.max(1, total / dense) == total / dense / 2
                        && denseMs.size() < dense;
                Edit e = benchEdit(model, i, isDense, r);
                long t0 = System.nanoTime();
                LedgerEntry entry = ledger.record(e, Map.of("efficacy", 1.0));
                double ms = (System.nanoTime() - t0) / 1e6;
                (isDense ? denseMs : oneMs).add(ms);
                if (isDense) {
                    denseBytes = entry.bytes();
                } else {
                    oneBytes = entry.bytes();
                }
            }
            recorded = bits(model);
            baseCopy = ledger.baseCopyBytes();
            middle = ledger.entries().get(ledger.entries().size() / 2).id();
        }
        long ledgerBytes = directoryBytes(dir);
        close(model);

        long l0 = System.nanoTime();
        EditableModel second = fresh.get();
        double load = (System.nanoTime() - l0) / 1e9;
        double replay;
        double rollback;
        double export;
        byte[] patch;
        boolean exact;
        try (EditLedger ledger = EditLedger.open(dir, second)) {
            replay = ledger.recovery().replaySeconds();
            exact = equal(recorded, bits(second));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long e0 = System.nanoTime();
            ledger.exportPatch(List.of(), out);
            export = (System.nanoTime() - e0) / 1e9;
            patch = out.toByteArray();
            long r0 = System.nanoTime();
            RollbackResult rb = ledger.rollback(List.of(middle));
            rollback = (System.nanoTime() - r0) / 1e9;
            if (!rb.recomputedFromBase()) {
                throw new IllegalStateException("the rollback did not recompute from base");
            }
        }
        close(second);
        EditableModel third = fresh.get();
        double imp;
        try (EditLedger ledger = EditLedger.openAt(dir.resolve("imported"), third)) {
            long i0 = System.nanoTime();
            ledger.importPatch(new ByteArrayInputStream(patch));
            imp = (System.nanoTime() - i0) / 1e9;
            exact &= equal(recorded, bits(third));
        }
        close(third);
        return new Result(model.name(), model.architecture().parameters(), oneMs.size(), denseMs.size(), stats(oneMs),
                stats(denseMs), oneBytes, denseBytes, ledgerBytes, baseCopy, modelBytes, load, replay, rollback, export,
                patch.length, imp, exact);
    }

    /**
     * Returns the {@code i}-th benchmark edit of {@code model}: random deltas of real shape on the edit point of layer
     * {@code i mod layers}, rank one (ROME's size) or a dense matrix.
     */
    static Edit benchEdit(EditableModel model, int i, boolean dense, Random r) {
        int layer = i % model.architecture().layers();
        EditPoint p = model.architecture().editPoint(layer);
        WeightDelta d = dense
                ? new WeightDelta.Dense(p.weight(), p.outFeatures(), p.inFeatures(),
                        gaussian(p.outFeatures() * p.inFeatures(), r, 1e-4f))
                : new WeightDelta.LowRank(p.weight(), p.outFeatures(), p.inFeatures(), 1,
                        gaussian(p.outFeatures(), r, 1e-2f), gaussian(p.inFeatures(), r, 1e-2f));
        return new Edit(dense ? "dense-bench" : "rome", "bench",
                List.of(EditRequest.of("The capital of {} is", "Subject" + i, "Object" + i)),
                Map.of("layers", List.of(layer)), List.of("{}"), List.of(d), Map.of("i", i));
    }

    /** Returns the mean, median and 95th percentile of {@code ms}. */
    static double[] stats(List<Double> ms) {
        if (ms.isEmpty()) {
            return new double[3];
        }
        double[] s = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new double[] {Arrays.stream(s).average().orElse(0), s[s.length / 2],
            s[Math.min(s.length - 1, (int) Math.ceil(0.95 * s.length) - 1)]};
    }

    static Map<String, int[]> bits(EditableModel m) {
        return dev.amend.runtime.ledger.WeightBits.of(m);
    }

    static boolean equal(Map<String, int[]> a, Map<String, int[]> b) {
        for (Map.Entry<String, int[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return a.keySet().equals(b.keySet());
    }

    private static long directoryBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    static void close(EditableModel m) {
        if (m instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static float[] gaussian(int n, Random r, float scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (scale * r.nextGaussian());
        }
        return f;
    }
}
