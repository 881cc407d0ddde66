package dev.amend.runtime.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.MalformedCheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed files are refused with a message naming the file and the problem. */
class SafetensorsFileTest {
    @TempDir
    Path dir;

    private Path raw(String name, String header, int dataBytes, long declaredLength) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(h);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private Path raw(String name, String header, int dataBytes) throws IOException {
        return raw(name, header, dataBytes, header.getBytes(StandardCharsets.UTF_8).length);
    }

    private static String problem(Path p) {
        MalformedCheckpointException e = assertThrows(MalformedCheckpointException.class, () -> {
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                f.readFloat("w");
            }
        });
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void roundTripsWhatTheWriterWrites() throws IOException {
        Path p = dir.resolve("ok.safetensors");
        SafetensorsWriter.write(p, Map.of("w", HostTensor.of(new float[] {1, -2, 3.5f, 4}, 2, 2)), Map.of("k", "v"));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {1, -2, 3.5f, 4}, f.readFloat("w").data());
            assertArrayEquals(new long[] {2, 2}, f.readFloat("w").shape());
            assertEquals("v", f.metadata().get("k"));
        }
    }

    @Test
    void badHeaderLength() throws IOException {
        assertTrue(problem(raw("a", "{}", 0, 1L << 40)).contains("bad header length"));
        Path tiny = dir.resolve("tiny");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertTrue(problem(tiny).contains("shorter than the 8-byte header length"));
    }

    @Test
    void offsetsOutsideTheFile() throws IOException {
        String h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        assertTrue(problem(raw("b", h, 8)).contains("lie outside the data section of 8 bytes"));
    }

    @Test
    void unknownDtype() throws IOException {
        String h = "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}";
        assertTrue(problem(raw("c", h, 4)).contains("unknown dtype \"F8_E4M3\""));
    }

    @Test
    void sizeNotMatchingTheShape() throws IOException {
        String h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        assertTrue(problem(raw("d", h, 8)).contains("do not hold 3 F32 values"));
    }

    @Test
    void missingTensor() throws IOException {
        String h = "{\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertTrue(problem(raw("e", h, 4)).contains("missing tensor \"w\""));
    }

    @Test
    void wronglyTypedFieldsAreRefusedWithTheReason() throws IOException {
        String[] headers = {
            "{\"w\":{\"dtype\":{},\"shape\":[1],\"data_offsets\":[0,4]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":5,\"data_offsets\":[0,4]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[\"x\"],\"data_offsets\":[0,4]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,4]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\"0-4\"}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,[4]]}}",
            "{\"w\":{\"dtype\":null,\"shape\":[1],\"data_offsets\":[0,4]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}",
        };
        for (int i = 0; i < headers.length; i++) {
            assertTrue(problem(raw("t" + i, headers[i], 4)).contains("tensor \"w\""), headers[i]);
        }
    }

    @Test
    void shapesWhoseSizeOverflowsAreRefused() throws IOException {
        String h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,0]}}";
        assertTrue(problem(raw("o", h, 0)).contains("too many values"));
    }

    @Test
    void notJson() throws IOException {
        assertTrue(problem(raw("f", "{nope", 0)).contains("not valid JSON"));
    }

    @Test
    void halfPrecisionConversionsAreExactOnRepresentableValues() {
        for (float f : new float[] {0f, -0f, 1f, -2.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f, 0.333251953125f}) {
            assertEquals(f, HalfFloats.halfToFloat(HalfFloats.floatToHalf(f)), 0f, "value " + f);
        }
        assertTrue(Float.isInfinite(HalfFloats.halfToFloat(HalfFloats.floatToHalf(1e6f))));
    }
}
