package dev.amend.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;

/** JSON output of the CLI's {@code --json} modes; a score that was not measured (NaN) is written as null. */
final class Json {
    private static final TypeAdapter<Double> FINITE_OR_NULL = new TypeAdapter<>() {
        @Override
        public void write(JsonWriter out, Double value) throws IOException {
            if (value == null || value.isNaN() || value.isInfinite()) {
                out.nullValue();
            } else {
                out.value(value);
            }
        }

        @Override
        public Double read(JsonReader in) {
            throw new UnsupportedOperationException("output only");
        }
    };
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls()
            .registerTypeAdapter(Double.class, FINITE_OR_NULL).registerTypeAdapter(double.class, FINITE_OR_NULL)
            .create();

    private Json() {
    }

    /** Returns {@code value} as one line of JSON. */
    static String of(Object value) {
        return GSON.toJson(value);
    }
}
