package dev.amend.server.api;

import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.util.Collection;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The JSON parser's complaints in words a client understands: JSON types, never Java class names. */
public final class JsonMessages {
    private static final Pattern QUOTED_TYPE = Pattern.compile("`([^`]*)`");
    private static final Pattern COERCION_HINT = Pattern.compile("\\s*\\(but could if[^)]*\\)");
    private static final Pattern CLASS = Pattern.compile("\\b(?:[a-z]+\\.)+[A-Z][\\w$]*");

    private JsonMessages() {
    }

    /** Returns what a field of {@code type} expects, as a JSON type ("a string", "a whole number", ...). */
    static String expected(Class<?> type) {
        if (type == null) {
            return "a value of another type";
        }
        if (CharSequence.class.isAssignableFrom(type) || type == char.class || type == Character.class) {
            return "a string";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class
                || type == short.class || type == Short.class || type == byte.class || type == Byte.class) {
            return "a whole number";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return Map.class.isAssignableFrom(type) || type.isRecord() ? "an object" : "a value of another type";
    }

    /** Returns the sentence for a value of the wrong type in field {@code field}. */
    static String wrongType(String field, MismatchedInputException e) {
        String what = expected(e.getTargetType());
        return field.isEmpty() ? "the body has the wrong shape: expected " + what
                : "the field \"" + field + "\" has the wrong type: expected " + what;
    }

    /** Returns {@code message} (the parser's) with Java type names replaced by JSON ones and class names removed. */
    public static String clean(String message) {
        if (message == null) {
            return "";
        }
        String out = COERCION_HINT.matcher(message).replaceAll("");
        Matcher m = QUOTED_TYPE.matcher(out);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(jsonName(m.group(1))));
        }
        m.appendTail(b);
        return CLASS.matcher(b.toString()).replaceAll("value");
    }

    private static String jsonName(String javaType) {
        return switch (javaType.replaceFirst("^java\\.lang\\.", "")) {
            case "String", "char", "Character" -> "string";
            case "int", "Integer", "long", "Long", "short", "Short", "byte", "Byte" -> "whole number";
            case "double", "Double", "float", "Float" -> "number";
            case "boolean", "Boolean" -> "boolean";
            default -> javaType.contains("List") || javaType.contains("[]") ? "array" : "value";
        };
    }
}
