package dev.amend.runtime.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.amend.runtime.model.Precision;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.runtime.model.WeightSource;
import dev.amend.runtime.safetensors.DType;
import dev.amend.runtime.safetensors.SafetensorsFile;
import dev.amend.runtime.safetensors.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The weights of a Hugging Face directory read one tensor at a time, as they are stored: float32 and float16 values
 * and bfloat16 bit patterns go to the device unchanged (no widening in Java), in pieces of at most 1 GiB.
 */
final class SafetensorsSource implements WeightSource, AutoCloseable {
    private static final long PIECE_BYTES = 1L << 30;

    private final Map<String, HfWeights.Located> located = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<Path, SafetensorsFile> open = new HashMap<>();

    private SafetensorsSource() {
    }

    /** Returns the tensors of {@code dir} under the runtime's names for a model of {@code config}. */
    static SafetensorsSource of(Path dir, TransformerConfig config) {
        SafetensorsSource s = new SafetensorsSource();
        for (Map.Entry<String, HfWeights.Located> e : HfWeights.index(dir).entrySet()) {
            String name = HfWeights.canonicalName(config, e.getKey());
            if (name != null) {
                s.located.put(name, e.getValue());
                s.shapes.put(name, e.getValue().info().shape().clone());
            }
        }
        return s;
    }

    @Override
    public Map<String, long[]> shapes() {
        return shapes;
    }

    @Override
    public Tensor read(String name, NDManager manager) {
        HfWeights.Located at = located.get(name);
        TensorInfo info = at.info();
        SafetensorsFile file = open.computeIfAbsent(at.file(), SafetensorsFile::open);
        DataType type = info.dtype() == DType.F32 ? DataType.FLOAT32 : DataType.FLOAT16; // bfloat16 bits as float16
        long[] shape = info.shape();
        long bytes = info.end() - info.begin();
        long rowBytes = shape.length == 0 || shape[0] == 0 ? bytes : bytes / shape[0];
        long rowsPerPiece = Math.max(1, PIECE_BYTES / Math.max(1, rowBytes));
        NDList pieces = new NDList();
        long rows = shape.length == 0 ? 1 : shape[0];
        for (long r = 0; r < rows; r += rowsPerPiece) {
            long to = Math.min(rows, r + rowsPerPiece);
            long[] pieceShape = shape.clone();
            if (pieceShape.length > 0) {
                pieceShape[0] = to - r;
            }
            pieces.add(piece(file, info.name(), r * rowBytes, to * rowBytes, pieceShape, type, manager));
        }
        NDArray whole = pieces.size() == 1 ? pieces.singletonOrThrow() : NDArrays.concat(pieces, 0);
        if (pieces.size() > 1) {
            pieces.close();
        }
        return new Tensor(whole, Precision.of(info.dtype()));
    }

    /** Returns a copy, in memory PyTorch owns, of bytes [from, to) of a tensor mapped from its file. */
    private static NDArray piece(SafetensorsFile file, String tensor, long from, long to, long[] shape, DataType type,
                                 NDManager manager) {
        ByteBuffer bytes = file.rawBytes(tensor, from, to);
        NDArray mapped = manager.create(bytes, new Shape(shape), type);
        NDArray owned = mapped.duplicate();
        mapped.close();
        return owned;
    }

    @Override
    public void close() {
        open.values().forEach(SafetensorsFile::close);
        open.clear();
    }
}
