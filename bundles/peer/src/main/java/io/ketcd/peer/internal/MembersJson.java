package io.ketcd.peer.internal;

import io.ketcd.proto.etcdserverpb.Member;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The peer {@code /members} body as etcd writes it (Go's encoding/json of membership.Member):
 * {@code [{"id":<decimal>,"peerURLs":[...],"isLearner":true,"name":"...","clientURLs":[...]}]}
 * plus a newline, where {@code isLearner}, {@code name} and {@code clientURLs} are left out when
 * false or empty ({@code omitempty}) and strings are escaped as Go does (HTML-safe).
 */
final class MembersJson {
    private MembersJson() {
    }

    static String write(List<Member> members) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            if (i > 0) {
                out.append(',');
            }
            out.append("{\"id\":").append(Long.toUnsignedString(m.getID()));
            out.append(",\"peerURLs\":");
            strings(out, m.getPeerURLsList(), true);
            if (m.getIsLearner()) {
                out.append(",\"isLearner\":true");
            }
            if (!m.getName().isEmpty()) {
                out.append(",\"name\":");
                string(out, m.getName());
            }
            if (m.getClientURLsCount() > 0) {
                out.append(",\"clientURLs\":");
                strings(out, m.getClientURLsList(), false);
            }
            out.append('}');
        }
        return out.append("]\n").toString();
    }

    /** Go marshals a nil slice as null; membership always has a (possibly empty) peerURLs slice. */
    private static void strings(StringBuilder out, List<String> values, boolean emptyAsArray) {
        if (values.isEmpty() && !emptyAsArray) {
            out.append("null");
            return;
        }
        out.append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            string(out, values.get(i));
        }
        out.append(']');
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Parses a {@code /members} body; accepts an {@code id} written as a number or as a hex string. */
    static List<Member> parse(String json) throws IOException {
        Object root = new Parser(json).document();
        if (!(root instanceof List<?> list)) {
            throw new IOException("members: expected a JSON array");
        }
        List<Member> members = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> obj)) {
                throw new IOException("members: expected an object per member");
            }
            Member.Builder b = Member.newBuilder();
            Object id = obj.get("id");
            try {
                if (id instanceof Number || id instanceof NumberToken) {
                    b.setID(Long.parseUnsignedLong(id.toString()));
                } else if (id instanceof String s) {
                    b.setID(Ids.parseHex(s));
                } else {
                    throw new IOException("members: member without an id");
                }
            } catch (NumberFormatException e) {
                throw new IOException("members: bad id " + id, e);
            }
            if (obj.get("name") instanceof String name) {
                b.setName(name);
            }
            b.addAllPeerURLs(stringList(obj.get("peerURLs")));
            b.addAllClientURLs(stringList(obj.get("clientURLs")));
            b.setIsLearner(Boolean.TRUE.equals(obj.get("isLearner")));
            members.add(b.build());
        }
        return members;
    }

    private static List<String> stringList(Object o) throws IOException {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List<?> list)) {
            throw new IOException("members: expected a list of URLs");
        }
        List<String> out = new ArrayList<>();
        for (Object s : list) {
            if (!(s instanceof String str)) {
                throw new IOException("members: expected a URL string");
            }
            out.add(str);
        }
        return out;
    }

    /** A JSON number kept as its text, so that uint64 ids survive. */
    record NumberToken(String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** A small recursive-descent JSON parser (objects, arrays, strings, numbers, literals). */
    static final class Parser {
        private static final int MAX_DEPTH = 32;
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        Object document() throws IOException {
            Object v = value(0);
            skipSpace();
            if (pos != s.length()) {
                throw error("trailing data");
            }
            return v;
        }

        private Object value(int depth) throws IOException {
            if (depth > MAX_DEPTH) {
                throw error("nested too deeply");
            }
            skipSpace();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{': {
                    pos++;
                    Map<String, Object> obj = new LinkedHashMap<>();
                    skipSpace();
                    if (peek() == '}') {
                        pos++;
                        return obj;
                    }
                    while (true) {
                        skipSpace();
                        String key = string();
                        skipSpace();
                        expect(':');
                        obj.put(key, value(depth + 1));
                        skipSpace();
                        if (peek() == ',') {
                            pos++;
                        } else {
                            expect('}');
                            return obj;
                        }
                    }
                }
                case '[': {
                    pos++;
                    List<Object> list = new ArrayList<>();
                    skipSpace();
                    if (peek() == ']') {
                        pos++;
                        return list;
                    }
                    while (true) {
                        list.add(value(depth + 1));
                        skipSpace();
                        if (peek() == ',') {
                            pos++;
                        } else {
                            expect(']');
                            return list;
                        }
                    }
                }
                case '"':
                    return string();
                case 't':
                    literal("true");
                    return Boolean.TRUE;
                case 'f':
                    literal("false");
                    return Boolean.FALSE;
                case 'n':
                    literal("null");
                    return null;
                default:
                    int start = pos;
                    while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
                        pos++;
                    }
                    if (start == pos) {
                        throw error("unexpected character '" + c + "'");
                    }
                    return new NumberToken(s.substring(start, pos));
            }
        }

        private String string() throws IOException {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    throw error("unterminated escape");
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        try {
                            out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        pos += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
        }

        private void literal(String word) throws IOException {
            if (!s.startsWith(word, pos)) {
                throw error("expected " + word);
            }
            pos += word.length();
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        private void expect(char c) throws IOException {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private IOException error(String what) {
            return new IOException("members: bad JSON at offset " + pos + ": " + what);
        }
    }
}
