package dev.amend.editors.ultraedit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The lifelong normalisation against values computed by hand and against the plain mean and variance of all rows
 * seen, and its state rebuilt from a history: UltraEdit's own edits and decorated ones count, other methods' do not,
 * and an edit left out of the history (rolled back) leaves out its rows.
 */
class LifelongNormalizerTest {
    private static final double EPS = Math.ulp(1.0f);

    @Test
    void handComputedValues() {
        LifelongNormalizer n = new LifelongNormalizer(1);
        n.add(LifelongNormalizer.Moments.of(new double[] {1, 3}, 2, 1));   // mean 2, M2 2
        n.add(LifelongNormalizer.Moments.of(new double[] {5}, 1, 1));      // all: 1, 3, 5: mean 3, M2 8
        assertEquals(3, n.rows());
        assertEquals(3.0, n.mean()[0], 1e-15);
        assertEquals(Math.sqrt(8 / (2 + EPS)), n.std()[0], 1e-15);
        assertEquals((5 - 3) / (Math.sqrt(8 / (2 + EPS)) + EPS), n.normalize(new double[] {5}, 1)[0], 1e-15);
        LifelongNormalizer one = new LifelongNormalizer(2);
        one.add(LifelongNormalizer.Moments.of(new double[] {4, -2}, 1, 2));
        assertArrayEquals(new double[] {0, 0}, one.std(), 0.0, "one row: no spread");
        assertArrayEquals(new double[] {0, 0}, one.normalize(new double[] {4, -2}, 1), 0.0,
                "the row itself normalises to zero, as in the reference");
    }

    @Test
    void foldedBatchesGiveTheMeanAndVarianceOfAllRows() {
        Random rnd = new Random(5);
        int width = 7;
        LifelongNormalizer n = new LifelongNormalizer(width);
        List<double[]> all = new ArrayList<>();
        for (int size : new int[] {1, 4, 2, 9, 1, 3}) {
            double[] batch = new double[size * width];
            for (int r = 0; r < size; r++) {
                double[] row = new double[width];
                for (int i = 0; i < width; i++) {
                    row[i] = (float) (3 * i + (1 + i) * rnd.nextGaussian());   // rows are float32, as captured
                    batch[r * width + i] = row[i];
                }
                all.add(row);
            }
            n.add(LifelongNormalizer.Moments.of(batch, size, width));
        }
        assertEquals(all.size(), n.rows());
        for (int i = 0; i < width; i++) {
            double mean = 0;
            for (double[] row : all) {
                mean += row[i] / all.size();
            }
            double ss = 0;
            for (double[] row : all) {
                ss += (row[i] - mean) * (row[i] - mean);
            }
            double std = Math.sqrt(ss / (all.size() - 1));                     // the unbiased sample deviation
            assertEquals(mean, n.mean()[i], 1e-6 * (1 + Math.abs(mean)), "mean of dimension " + i);
            assertEquals(std, n.std()[i], 1e-6 * std, "std of dimension " + i);
        }
    }

    @Test
    void theStateFollowsTheHistory() {
        LifelongNormalizer.Moments a = LifelongNormalizer.Moments.of(new double[] {1, 2, 3, 4}, 2, 2);
        LifelongNormalizer.Moments b = LifelongNormalizer.Moments.of(new double[] {10, 0}, 1, 2);
        LifelongNormalizer.Moments c = LifelongNormalizer.Moments.of(new double[] {-1, 5, 2, 2, 0, 1}, 3, 2);
        Edit ea = edit("ultraedit", Map.of(UltraEditProvider.MOMENTS, a.toMetadata()));
        Edit eb = edit("anyedit+ultraedit", Map.of("base_metadata",
                List.of(Map.of(UltraEditProvider.MOMENTS, b.toMetadata()))));
        Edit ec = edit("ultraedit", Map.of(UltraEditProvider.MOMENTS, c.toMetadata()));
        Edit other = edit("memit", Map.of(UltraEditProvider.MOMENTS, c.toMetadata()));
        LifelongNormalizer all = LifelongNormalizer.replay(List.of(ea, other, eb, ec), 2);
        LifelongNormalizer direct = new LifelongNormalizer(2);
        direct.add(a);
        direct.add(b);
        direct.add(c);
        assertEquals(6, all.rows(), "MEMIT's edit does not count");
        assertArrayEquals(direct.mean(), all.mean(), 0.0);
        assertArrayEquals(direct.std(), all.std(), 0.0);
        LifelongNormalizer rolledBack = LifelongNormalizer.replay(List.of(ea, ec), 2);
        LifelongNormalizer withoutB = new LifelongNormalizer(2);
        withoutB.add(a);
        withoutB.add(c);
        assertEquals(5, rolledBack.rows());
        assertArrayEquals(withoutB.mean(), rolledBack.mean(), 0.0);
        assertArrayEquals(withoutB.std(), rolledBack.std(), 0.0);
        assertEquals(0, LifelongNormalizer.replay(List.of(ea), 3).rows(), "moments of another width are not this model's");
    }

    private static Edit edit(String method, Map<String, Object> metadata) {
        return new Edit(method, "1", List.of(EditRequest.of("The capital of {} is", "France", " Rome")), Map.of(),
                List.of(), List.of(), metadata);
    }
}
