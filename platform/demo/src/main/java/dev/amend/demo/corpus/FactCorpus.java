package dev.amend.demo.corpus;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import dev.amend.spi.InvalidRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The demo model's knowledge: relations with train and held-out templates, facts and passages, read
 * from {@code dev/amend/demo/corpus/} on the class path. Neighbourhood prompts (other subjects of
 * the same relation) and counterfactual targets (another object of the same relation) are derived.
 */
public final class FactCorpus {
    /** Class-path folder of the corpus files. */
    public static final String RESOURCE_DIR = "dev/amend/demo/corpus/";
    private static final List<String> FILES = List.of("relations.json", "facts.jsonl", "passages.jsonl");

    private final Map<String, Relation> relations;
    private final List<Fact> facts;
    private final List<Passage> passages;
    private final String sha256;

    private FactCorpus(Map<String, Relation> relations, List<Fact> facts, List<Passage> passages, String sha256) {
        this.relations = Collections.unmodifiableMap(relations);
        this.facts = List.copyOf(facts);
        this.passages = List.copyOf(passages);
        this.sha256 = sha256;
    }

    /** Returns the corpus shipped on the class path. */
    public static FactCorpus load() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String f : FILES) {
            try (InputStream in = FactCorpus.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + f)) {
                if (in == null) {
                    throw new IllegalStateException("corpus file " + RESOURCE_DIR + f + " is not on the class path");
                }
                files.put(f, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return parse(files);
    }

    /** Returns the corpus held in {@code files} (relations.json, facts.jsonl, passages.jsonl contents). */
    public static FactCorpus parse(Map<String, byte[]> files) {
        Gson gson = new Gson();
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (byte[] b : files.values()) {
            digest.update(b);
        }
        List<Map<String, Object>> rel = gson.fromJson(new String(files.get("relations.json"), StandardCharsets.UTF_8),
                new TypeToken<List<Map<String, Object>>>() { }.getType());
        Map<String, Relation> relations = new LinkedHashMap<>();
        for (Map<String, Object> r : rel) {
            @SuppressWarnings("unchecked")
            List<String> train = (List<String>) r.get("train_templates");
            @SuppressWarnings("unchecked")
            List<String> held = (List<String>) r.get("heldout_templates");
            relations.put((String) r.get("id"), new Relation((String) r.get("id"), (String) r.get("name"),
                    (String) r.get("subject_type"), (String) r.get("source"), train, held));
        }
        List<Fact> facts = new ArrayList<>();
        for (String line : lines(files.get("facts.jsonl"))) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            Fact f = new Fact(o.get("relation").getAsString(), o.get("subject").getAsString(), o.get("object").getAsString());
            if (!relations.containsKey(f.relation())) {
                throw new IllegalStateException("fact " + f + " has an unknown relation");
            }
            facts.add(f);
        }
        List<Passage> passages = new ArrayList<>();
        for (String line : lines(files.get("passages.jsonl"))) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            passages.add(new Passage(o.get("subject").getAsString(), o.get("text").getAsString()));
        }
        return new FactCorpus(relations, facts, passages, HexFormat.of().formatHex(digest.digest()));
    }

    private static List<String> lines(byte[] bytes) {
        List<String> out = new ArrayList<>();
        for (String l : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            if (!l.isBlank()) {
                out.add(l);
            }
        }
        return out;
    }

    /** Returns the relations by id, in file order. */
    public Map<String, Relation> relations() {
        return relations;
    }

    /** Returns the relation {@code id}, or throws naming the known ones. */
    public Relation relation(String id) {
        Relation r = relations.get(id);
        if (r == null) {
            throw new InvalidRequestException("unknown relation \"" + id + "\" (known: " + relations.keySet() + ")");
        }
        return r;
    }

    /** Returns every fact, in file order. */
    public List<Fact> facts() {
        return facts;
    }

    /** Returns every passage. */
    public List<Passage> passages() {
        return passages;
    }

    /** Returns the SHA-256 of the corpus files, recorded beside the checkpoint trained on them. */
    public String sha256() {
        return sha256;
    }

    /** Returns the texts the demo model is trained on: each fact in each train template, and the passages. */
    public List<String> trainingTexts() {
        List<String> out = new ArrayList<>();
        for (Fact f : facts) {
            for (String t : relations.get(f.relation()).trainTemplates()) {
                out.add(f.prompt(t) + " " + f.object() + ".");
            }
        }
        for (Passage p : passages) {
            out.add(p.text());
        }
        return out;
    }

    /** Returns another object of the same relation than {@code fact}'s, chosen with {@code random}. */
    public String counterfactualObject(Fact fact, Random random) {
        List<String> objects = objectsOf(fact.relation());
        objects.remove(fact.object());
        if (objects.isEmpty()) {
            throw new IllegalStateException("relation " + fact.relation() + " has a single object");
        }
        return objects.get(random.nextInt(objects.size()));
    }

    /** Returns the distinct objects of a relation, in file order. */
    public List<String> objectsOf(String relation) {
        List<String> out = new ArrayList<>();
        for (Fact f : facts) {
            if (f.relation().equals(relation) && !out.contains(f.object())) {
                out.add(f.object());
            }
        }
        return out;
    }

    /**
     * Returns up to {@code n} neighbourhood facts of {@code fact}: other subjects of the same relation (those
     * sharing the true object first, as in CounterFact), none whose object is {@code newObject}, so an edit
     * to {@code newObject} should leave every one of them unchanged.
     */
    public List<Fact> neighbourhood(Fact fact, String newObject, int n, Random random) {
        return neighbourhood(fact, newObject, n, random, Set.of());
    }

    /**
     * Returns the neighbourhood facts as {@link #neighbourhood(Fact, String, int, Random)} does, passing over those
     * whose subject is in {@code spare} (facts a sequential run edits itself, which are meant to change). The
     * candidates are shuffled as there, so with nothing to spare the draw is the same.
     */
    public List<Fact> neighbourhood(Fact fact, String newObject, int n, Random random, Set<String> spare) {
        List<Fact> same = new ArrayList<>();
        List<Fact> other = new ArrayList<>();
        for (Fact f : facts) {
            if (f.relation().equals(fact.relation()) && !f.subject().equals(fact.subject())
                    && !f.object().equals(newObject)) {
                (f.object().equals(fact.object()) ? same : other).add(f);
            }
        }
        Collections.shuffle(same, random);
        Collections.shuffle(other, random);
        same.addAll(other);
        same.removeIf(f -> spare.contains(f.subject()));
        return List.copyOf(same.subList(0, Math.min(n, same.size())));
    }
}
