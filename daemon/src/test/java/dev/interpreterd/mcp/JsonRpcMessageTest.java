package dev.interpreterd.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/**
 * One POST's body read as one JSON-RPC 2.0 message: a request, a notification or a response; anything
 * else is refused with Invalid Request and a sentence naming the field to fix.
 */
class JsonRpcMessageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void a_request_has_its_id_method_and_params() throws Exception {
        JsonRpcMessage message = read("""
                {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "run_python"}}""");
        assertEquals(JsonRpcMessage.Kind.REQUEST, message.kind());
        assertEquals(7, message.id().intValue());
        assertEquals("tools/call", message.method());
        assertEquals("run_python", message.params().path("name").asText());
    }

    @Test
    void an_id_may_be_a_string_or_a_whole_number_of_any_size() throws Exception {
        assertEquals("abc", read("{\"jsonrpc\": \"2.0\", \"id\": \"abc\", \"method\": \"ping\"}").id().textValue());
        assertEquals(-1, read("{\"jsonrpc\": \"2.0\", \"id\": -1, \"method\": \"ping\"}").id().intValue());
        BigInteger huge = BigInteger.TWO.pow(80);
        assertEquals(huge, read("{\"jsonrpc\": \"2.0\", \"id\": " + huge + ", \"method\": \"ping\"}").id().bigIntegerValue());
    }

    @Test
    void a_message_without_params_or_with_null_params_has_an_empty_object() throws Exception {
        for (String params : new String[] {"", ", \"params\": null"}) {
            JsonRpcMessage message = read("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/list\"" + params + "}");
            assertTrue(message.params().isObject(), params);
            assertTrue(message.params().isEmpty(), params);
        }
    }

    @Test
    void a_message_with_a_method_and_no_id_is_a_notification() throws Exception {
        JsonRpcMessage message = read("{\"jsonrpc\": \"2.0\", \"method\": \"notifications/initialized\"}");
        assertEquals(JsonRpcMessage.Kind.NOTIFICATION, message.kind());
        assertNull(message.id());
        assertEquals("notifications/initialized", message.method());
    }

    @Test
    void a_message_with_an_id_and_a_result_or_an_error_is_a_response() throws Exception {
        for (String answer : new String[] {"\"result\": {}", "\"error\": {\"code\": -32601, \"message\": \"no\"}"}) {
            JsonRpcMessage message = read("{\"jsonrpc\": \"2.0\", \"id\": \"s-1\", " + answer + "}");
            assertEquals(JsonRpcMessage.Kind.RESPONSE, message.kind(), answer);
            assertEquals("s-1", message.id().textValue());
            assertNull(message.method());
            assertTrue(message.params().isObject() && message.params().isEmpty(), answer);
        }
    }

    @Test
    void a_batch_is_refused() {
        assertRefused("[{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\"}]",
                "a batch (a JSON array) is not accepted: send one JSON-RPC message per POST");
    }

    @Test
    void a_body_that_is_not_an_object_is_refused() {
        for (String body : new String[] {"\"ping\"", "42", "null", "true"}) {
            assertRefused(body, "the body must be one JSON-RPC 2.0 message, a JSON object");
        }
    }

    @Test
    void a_message_that_is_not_json_rpc_2_0_is_refused() {
        for (String version : new String[] {"", "\"jsonrpc\": \"1.0\", ", "\"jsonrpc\": 2.0, ", "\"jsonrpc\": null, "}) {
            assertRefused("{" + version + "\"id\": 1, \"method\": \"ping\"}", "field 'jsonrpc' must be \"2.0\"");
        }
    }

    @Test
    void an_id_that_is_null_fractional_or_structured_is_refused() {
        for (String id : new String[] {"null", "1.5", "true", "[1]", "{\"n\": 1}"}) {
            assertRefused("{\"jsonrpc\": \"2.0\", \"id\": " + id + ", \"method\": \"ping\"}",
                    "field 'id' must be a string or a whole number");
        }
    }

    @Test
    void a_message_without_a_method_that_is_no_response_is_refused() {
        String required = "field 'method' is required (a response needs 'id' and 'result' or 'error')";
        assertRefused("{\"jsonrpc\": \"2.0\", \"id\": 1}", required);
        assertRefused("{\"jsonrpc\": \"2.0\", \"result\": {}}", required);
        assertRefused("{\"jsonrpc\": \"2.0\"}", required);
    }

    @Test
    void a_method_that_is_not_a_non_empty_string_is_refused() {
        for (String method : new String[] {"\"\"", "5", "null", "[\"ping\"]"}) {
            assertRefused("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": " + method + "}",
                    "field 'method' must be a non-empty string");
        }
    }

    private static JsonRpcMessage read(String body) throws JsonProcessingException, JsonRpcException {
        return JsonRpcMessage.of(JSON.readTree(body));
    }

    private static void assertRefused(String body, String message) {
        JsonRpcException refused = assertThrows(JsonRpcException.class, () -> read(body), body);
        assertEquals(JsonRpc.INVALID_REQUEST, refused.code(), body);
        assertEquals(message, refused.getMessage(), body);
    }
}
