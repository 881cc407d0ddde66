package dev.amend.runtime.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Reads and writes bfloat16 weights behind DJL's back. DJL 0.32.0 maps every dtype it passes to PyTorch through a
 * switch that ends in a bare C++ {@code throw;} for bfloat16 (and int16/uint16), which terminates the JVM: creating,
 * converting to or decoding bfloat16 all abort. A bfloat16 weight is therefore held as its 16-bit patterns in a
 * tensor DJL sees as float16 (copies, device moves, slicing and row gathers keep the bits), and its values are read
 * and written by a small TorchScript module, built here in memory, that reinterprets those bits with
 * {@code view_copy(dtype=torch.bfloat16)}. No call ever hands DJL a bfloat16 dtype.
 */
final class HalfConverter {
    /** TorchScript dtype codes (c10::ScalarType). */
    private static final int FLOAT16 = 5;
    private static final int FLOAT32 = 6;
    private static final int BFLOAT16 = 15;

    // view(dtype) is not callable from TorchScript source; view_copy(dtype=) is (a bit-for-bit copy)
    private static final String SOURCE = String.join("\n",
            "class Bf16(Module):",
            "  __parameters__ = []",
            "  __buffers__ = []",
            "  training : bool",
            "  def forward(self: __torch__.Bf16, bits: Tensor) -> Tensor:",
            "    return torch.to(torch.view_copy(bits, dtype=" + BFLOAT16 + "), " + FLOAT32 + ")",
            "  def widen(self: __torch__.Bf16, bits: Tensor) -> Tensor:",
            "    return torch.to(torch.view_copy(bits, dtype=" + BFLOAT16 + "), " + FLOAT32 + ")",
            "  def narrow(self: __torch__.Bf16, values: Tensor) -> Tensor:",
            "    return torch.view_copy(torch.to(values, " + BFLOAT16 + "), dtype=" + FLOAT16 + ")",
            "  def assign(self: __torch__.Bf16, bits: Tensor, values: Tensor) -> Tensor:",
            "    return torch.copy_(bits, torch.view_copy(torch.to(values, " + BFLOAT16 + "), dtype=" + FLOAT16 + "))",
            "");

    private static volatile HalfConverter instance;

    private final PtSymbolBlock module;
    /** Arrays whose names tell DJL which method to run ({@code module_method:<name>}); never read otherwise. */
    private final Map<String, NDArray> markers = new HashMap<>();

    private HalfConverter(PtSymbolBlock module, NDManager owner) {
        this.module = module;
        for (String method : List.of("widen", "narrow", "assign")) {
            NDArray marker = owner.create(0f);
            marker.setName("module_method:" + method);
            markers.put(method, marker);
        }
    }

    /** Returns the process-wide converter (its module holds no tensors and serves every device). */
    static HalfConverter get() {
        HalfConverter c = instance;
        if (c == null) {
            synchronized (HalfConverter.class) {
                c = instance;
                if (c == null) {
                    Engine.getEngine("PyTorch");
                    NDManager owner = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
                    try {
                        c = new HalfConverter(JniUtils.loadModule((PtNDManager) owner,
                                new ByteArrayInputStream(archive()), true, false), owner);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot load the bfloat16 converter", e);
                    }
                    instance = c;
                }
            }
        }
        return c;
    }

    /** Returns the float32 values of the bfloat16 patterns in {@code bits} (a float16-typed tensor), in its manager. */
    NDArray widen(NDArray bits) {
        return call("widen", bits);
    }

    /** Returns the bfloat16 patterns (rounded to nearest even) of the values in {@code values}, float16-typed. */
    NDArray narrow(NDArray values) {
        return call("narrow", float32(values));
    }

    /** Writes {@code values} rounded to bfloat16 into the patterns of {@code bits}, in place. */
    void assign(NDArray bits, NDArray values) {
        NDArray v = float32(values);
        call("assign", bits, v.getDevice().equals(bits.getDevice()) ? v : v.toDevice(bits.getDevice(), false)).close();
    }

    private static NDArray float32(NDArray values) {
        return values.getDataType() == DataType.FLOAT32 ? values : values.toType(DataType.FLOAT32, false);
    }

    /**
     * Returns what {@code method} returns for {@code args}, in the first argument's manager. The method runs in
     * training mode: in inference mode TorchScript makes inference tensors, which autograd refuses to save for a
     * backward pass and which cannot be updated in place later.
     */
    private NDArray call(String method, NDArray... args) {
        NDList in = new NDList(args.length + 1);
        List<NDArray> views = new ArrayList<>();
        for (NDArray a : args) {
            // DJL reads an input's name as a dict key or list marker: pass an unnamed handle on the same data
            NDArray x = a.getName() == null ? a : a.reshape(a.getShape());
            if (x != a) {
                views.add(x);
            }
            in.add(x);
        }
        in.add(markers.get(method));
        try {
            return IValueUtils.forward(module, in, true).singletonOrThrow();
        } finally {
            views.forEach(NDArray::close);
        }
    }

    /** Returns the TorchScript archive: the module's code, its pickled state (only {@code training}) and no constants. */
    static byte[] archive() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            stored(zip, "bf16/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            stored(zip, "bf16/code/__torch__.py", SOURCE.getBytes(StandardCharsets.UTF_8));
            stored(zip, "bf16/data.pkl", moduleState());
            stored(zip, "bf16/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // PROTO 2, EMPTY_TUPLE, STOP
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Returns the pickle (protocol 2) of a {@code __torch__.Bf16} object whose state is {@code {"training": False}}. */
    private static byte[] moduleState() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2);                                                        // PROTO 2
        p.writeBytes("c__torch__\nBf16\n".getBytes(StandardCharsets.US_ASCII)); // GLOBAL __torch__.Bf16
        p.write(')');                                                      // EMPTY_TUPLE
        p.write(0x81);                                                     // NEWOBJ
        p.write('}');                                                      // EMPTY_DICT
        p.write('(');                                                      // MARK
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        p.write('X');                                                      // BINUNICODE, 4-byte length
        p.write(key.length);
        p.write(0);
        p.write(0);
        p.write(0);
        p.writeBytes(key);
        p.write(0x89);                                                     // NEWFALSE
        p.write('u');                                                      // SETITEMS
        p.write('b');                                                      // BUILD
        p.write('.');                                                      // STOP
        return p.toByteArray();
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
