package dev.amend.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonParser;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void unmeasuredScoresAreNullSoStrictParsersAcceptTheOutput() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("efficacy", 0.5);
        o.put("fluency", Double.NaN);
        o.put("ratio", Double.POSITIVE_INFINITY);
        String line = Json.of(o);
        assertEquals("{\"efficacy\":0.5,\"fluency\":null,\"ratio\":null}", line);
        assertEquals(0.5, JsonParser.parseString(line).getAsJsonObject().get("efficacy").getAsDouble());
    }
}
