package dev.amend.server.ledger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amend.spi.Edit;
import dev.amend.spi.EditRequest;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.WeightDelta;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The JSON patch format of the temporary {@link InMemoryLedger}: the base model's hash and the edits
 * with their deltas as base64 little-endian float32. (The durable ledger writes its own format.)
 */
public final class JsonPatches {
    /** Format tag written into every patch. */
    public static final String FORMAT = "amend-patch-json/1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

    private JsonPatches() {
    }

    /** Writes {@code entries} made on base model {@code baseHash} to {@code out}. */
    public static void write(String baseHash, List<LedgerEntry> entries, OutputStream out) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("base_hash", baseHash);
        ArrayNode edits = root.putArray("edits");
        for (LedgerEntry e : entries) {
            ObjectNode n = edits.addObject();
            Edit edit = e.edit();
            n.put("id", e.id());
            n.put("recorded_at", e.recordedAt().toString());
            n.set("info", JSON.valueToTree(e.info()));
            n.put("method", edit.method());
            n.put("method_version", edit.methodVersion());
            ArrayNode requests = n.putArray("requests");
            for (EditRequest r : edit.requests()) {
                ObjectNode rn = requests.addObject();
                rn.put("prompt", r.prompt());
                rn.put("subject", r.subject());
                rn.put("target", r.target());
                rn.set("paraphrases", JSON.valueToTree(r.paraphrases()));
            }
            n.set("hyperparameters", JSON.valueToTree(edit.hyperparameters()));
            n.set("context_templates", JSON.valueToTree(edit.contextTemplates()));
            n.set("metadata", JSON.valueToTree(edit.metadata()));
            ArrayNode deltas = n.putArray("deltas");
            for (WeightDelta d : edit.deltas()) {
                ObjectNode dn = deltas.addObject();
                dn.put("weight", d.weight());
                dn.put("rows", d.rows());
                dn.put("cols", d.cols());
                if (d instanceof WeightDelta.LowRank lr) {
                    dn.put("kind", "low-rank");
                    dn.put("rank", lr.rank());
                    dn.put("u", encode(lr.u()));
                    dn.put("v", encode(lr.v()));
                } else if (d instanceof WeightDelta.Dense dense) {
                    dn.put("kind", "dense");
                    dn.put("values", encode(dense.values()));
                }
            }
        }
        JSON.writeValue(out, root);
    }

    /** Reads a patch and checks it was made for base model {@code expectedBaseHash}; returns its entries. */
    public static List<LedgerEntry> read(InputStream in, String expectedBaseHash) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(in);
        } catch (IOException e) {
            throw new InvalidRequestException("the patch is not a readable " + FORMAT + " file: " + e.getMessage(), e);
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new InvalidRequestException("the patch is not an " + FORMAT + " file (no \"format\": \"" + FORMAT
                    + "\"): export it from GET /api/v1/models/{model}/edits/{id}/patch");
        }
        String base = root.path("base_hash").asText();
        if (!base.equals(expectedBaseHash)) {
            throw new InvalidRequestException("the patch was made for base model " + base + " but this model's base is "
                    + expectedBaseHash + ": import it on a host serving the same base model");
        }
        List<LedgerEntry> out = new ArrayList<>();
        try {
            for (JsonNode n : root.path("edits")) {
                List<EditRequest> requests = new ArrayList<>();
                for (JsonNode r : n.path("requests")) {
                    List<String> para = new ArrayList<>();
                    r.path("paraphrases").forEach(p -> para.add(p.asText()));
                    requests.add(new EditRequest(r.path("prompt").asText(), r.path("subject").asText(),
                            r.path("target").asText(), para));
                }
                List<WeightDelta> deltas = new ArrayList<>();
                for (JsonNode d : n.path("deltas")) {
                    String weight = d.path("weight").asText();
                    int rows = d.path("rows").asInt();
                    int cols = d.path("cols").asInt();
                    deltas.add("low-rank".equals(d.path("kind").asText())
                            ? new WeightDelta.LowRank(weight, rows, cols, d.path("rank").asInt(),
                                    decode(d.path("u").asText()), decode(d.path("v").asText()))
                            : new WeightDelta.Dense(weight, rows, cols, decode(d.path("values").asText())));
                }
                List<String> templates = new ArrayList<>();
                n.path("context_templates").forEach(t -> templates.add(t.asText()));
                Edit edit = new Edit(n.path("method").asText(), n.path("method_version").asText(), requests,
                        JSON.convertValue(n.path("hyperparameters"), MAP), templates, deltas,
                        JSON.convertValue(n.path("metadata"), MAP));
                Map<String, Object> info = n.has("info") ? JSON.convertValue(n.path("info"), MAP) : Map.of();
                out.add(new LedgerEntry(n.path("id").asText("imported"), edit, info,
                        Instant.parse(n.path("recorded_at").asText(Instant.now().toString()))));
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("the patch is malformed: " + e.getMessage(), e);
        }
        return out;
    }

    private static String encode(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return Base64.getEncoder().encodeToString(b.array());
    }

    private static float[] decode(String base64) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }
}
