package dev.amend.kit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.spi.InvalidRequestException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How layer statistics are cut into passes that fit the device memory bound. */
class StatisticsPassesTest {

    @Test
    void deviceBytesAreEightBytesPerEntryPerLayerPlusOneBatchProduct() {
        assertEquals(8L * 14336 * 14336 + 12L * 14336 * 14336, LayerStatistics.deviceBytes(14336, 1));
        assertEquals(5 * 8L * 6400 * 6400 + 12L * 6400 * 6400, LayerStatistics.deviceBytes(6400, 5));
    }

    @Test
    void layersAreGroupedInOrderSoEachPassFitsTheBound() {
        List<Integer> layers = List.of(4, 5, 6, 7, 8);
        long bound = LayerStatistics.deviceBytes(14336, 3);
        List<List<Integer>> passes = LayerStatistics.passes(layers, 14336, bound);
        assertEquals(List.of(List.of(4, 5, 6), List.of(7, 8)), passes);
        for (List<Integer> p : passes) {
            assertTrue(LayerStatistics.deviceBytes(14336, p.size()) <= bound);
        }
        assertEquals(List.of(layers), LayerStatistics.passes(layers, 6400, LayerStatistics.DEFAULT_MAX_DEVICE_BYTES),
                "five layers of 6,400 fit 8 GiB in one pass");
        assertEquals(List.of(), LayerStatistics.passes(List.of(), 14336, bound));
    }

    @Test
    void aLayerThatDoesNotFitAloneIsRefusedWithWhatItNeeds() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> LayerStatistics.passes(List.of(3), 14336, 1L << 30));
        assertTrue(e.getMessage().contains("amend.statistics.max-device-bytes=" + LayerStatistics.deviceBytes(14336, 1)),
                e.getMessage());
    }
}
