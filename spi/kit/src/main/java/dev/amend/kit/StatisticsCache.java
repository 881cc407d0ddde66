package dev.amend.kit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The on-disk cache of {@link LayerStatistics}: one safetensors file per layer holding C (float32) and the numbers
 * of tokens and texts. A file is written to a temporary name and renamed into place, so a killed run never leaves a
 * half file that is read later; a file that cannot be read is ignored (computed again and overwritten).
 */
final class StatisticsCache {
    private StatisticsCache() {
    }

    /** Returns the statistics cached in {@code file}, or null when it is missing or unreadable. */
    static LayerStatistics.Moment read(Path file, int layer, NDManager manager) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (NDManager nd = manager.newSubManager(); InputStream in = Files.newInputStream(file)) {
            NDList list = NDList.decode(nd, in);
            NDArray c = list.get("second_moment");
            NDArray count = list.get("tokens");
            NDArray texts = list.get("texts");
            if (c == null || count == null || texts == null) {
                return null;
            }
            int dim = (int) c.getShape().get(0);
            return new LayerStatistics.Moment(layer, dim, count.toLongArray()[0], c.toType(DataType.FLOAT64, false).toDoubleArray(),
                    true, texts.toLongArray()[0]);
        } catch (IOException | RuntimeException e) {
            return null; // unreadable cache: computed again and overwritten
        }
    }

    /** Writes {@code m} to {@code file} through a temporary file renamed into place. */
    static void write(Path file, LayerStatistics.Moment m, NDManager manager) {
        try (NDManager nd = manager.newSubManager()) {
            Files.createDirectories(file.getParent());
            NDArray c = nd.create(m.secondMoment(), new Shape(m.dim(), m.dim())).toType(DataType.FLOAT32, false);
            c.setName("second_moment");
            NDArray count = nd.create(new long[] {m.tokens()});
            count.setName("tokens");
            NDArray texts = nd.create(new long[] {m.texts()});
            texts.setName("texts");
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    new NDList(c, count, texts).encode(out, NDList.Encoding.SAFETENSORS);
                }
                try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write layer statistics cache " + file, e);
        }
    }
}
