package dev.amend.spi.edit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Adding deltas: the sum's dense form is the sum of the dense forms, whatever the storage. */
class WeightDeltaTest {
    private static float[] random(int n, Random r) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    private static float[] plainSum(WeightDelta a, WeightDelta b) {
        float[] x = a.toDense();
        float[] y = b.toDense();
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] + y[i];
        }
        return out;
    }

    @Test
    void lowRankPlusLowRankStaysLowRankWhileTheRankIsSmall() {
        Random r = new Random(1);
        WeightDelta a = new WeightDelta.LowRank("w", 6, 9, 2, random(12, r), random(18, r));
        WeightDelta b = new WeightDelta.LowRank("w", 6, 9, 3, random(18, r), random(27, r));
        WeightDelta sum = a.plus(b);
        WeightDelta.LowRank lr = assertInstanceOf(WeightDelta.LowRank.class, sum);
        assertArrayEquals(new int[] {5}, new int[] {lr.rank()});
        assertArrayEquals(plainSum(a, b), sum.toDense(), 1e-5f);
    }

    @Test
    void otherwiseTheSumIsDense() {
        Random r = new Random(2);
        WeightDelta a = new WeightDelta.LowRank("w", 4, 5, 3, random(12, r), random(15, r));
        WeightDelta b = new WeightDelta.LowRank("w", 4, 5, 2, random(8, r), random(10, r));
        WeightDelta c = new WeightDelta.Dense("w", 4, 5, random(20, r));
        assertInstanceOf(WeightDelta.Dense.class, a.plus(b), "rank 5 is not below min(4, 5)");
        assertArrayEquals(plainSum(a, b), a.plus(b).toDense(), 1e-5f);
        assertArrayEquals(plainSum(a, c), a.plus(c).toDense(), 1e-5f);
        assertArrayEquals(plainSum(c, a), c.plus(a).toDense(), 1e-5f);
    }

    @Test
    void deltasOfAnotherWeightOrShapeAreRefused() {
        Random r = new Random(3);
        WeightDelta a = new WeightDelta.Dense("w", 2, 3, random(6, r));
        assertThrows(IllegalArgumentException.class, () -> a.plus(new WeightDelta.Dense("v", 2, 3, random(6, r))));
        assertThrows(IllegalArgumentException.class, () -> a.plus(new WeightDelta.Dense("w", 3, 2, random(6, r))));
    }
}
