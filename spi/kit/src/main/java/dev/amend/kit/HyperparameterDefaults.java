package dev.amend.kit;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import dev.amend.spi.Hyperparameters;
import dev.amend.spi.hparams.HyperparameterBinder;
import dev.amend.spi.model.ModelArchitecture;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A method's default hyperparameters per model family and size, read from a JSON resource in the
 * editor's jar: {@code {"profiles": [{"name": ..., "match": {"family": "gpt2", "layers": 6}, "values": {...}}]}}.
 * The first profile whose match fields all equal the architecture's wins ({@code family},
 * {@code layers}, {@code hidden_size}); its values are bound over the record's base values.
 */
public final class HyperparameterDefaults {
    private HyperparameterDefaults() {
    }

    /** Returns the defaults for {@code arch} from the resource {@code resource} next to {@code anchor}. */
    public static <H extends Record & Hyperparameters> H load(Class<H> type, H base, Class<?> anchor, String resource,
                                                              ModelArchitecture arch) {
        JsonObject root;
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("defaults resource " + resource + " is missing next to " + anchor);
            }
            root = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonArray profiles = root.getAsJsonArray("profiles");
        for (JsonElement p : profiles) {
            JsonObject profile = p.getAsJsonObject();
            if (matches(profile.getAsJsonObject("match"), arch)) {
                Map<String, Object> values = new com.google.gson.Gson().fromJson(profile.get("values"),
                        new TypeToken<Map<String, Object>>() { }.getType());
                return HyperparameterBinder.bind(type, base, values, arch,
                        resource + " profile " + profile.get("name")).value();
            }
        }
        return base;
    }

    private static boolean matches(JsonObject match, ModelArchitecture arch) {
        if (match == null) {
            return true;
        }
        for (Map.Entry<String, JsonElement> e : match.entrySet()) {
            boolean ok = switch (e.getKey()) {
                case "family" -> e.getValue().getAsString().equals(arch.family());
                case "layers" -> e.getValue().getAsInt() == arch.layers();
                case "hidden_size" -> e.getValue().getAsInt() == arch.hiddenSize();
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
