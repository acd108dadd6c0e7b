package dev.interpreterd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.interpreterd.TestDaemon;
import dev.interpreterd.http.HttpApi;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * HEAD answers as GET would, with the same status and headers and no body, or 405 where GET is not
 * served; never an empty 200 that GET would not give.
 */
class HeadTest {

    private static final String CONTEXTS = "/process/interpreter/context";
    private static final List<String> SAME_HEADERS = List.of("Content-Type", "Content-Length", "Allow");

    @RegisterExtension
    static final TestDaemon daemon = TestDaemon.shared();

    @Test
    void head_on_the_context_list_answers_as_get() {
        expectHeadAnswersAsGet(CONTEXTS, 200);
    }

    @Test
    void head_on_a_live_context_answers_as_get() {
        String id = daemon.request().contentType(ContentType.JSON).body("{}").post(CONTEXTS)
                .then().statusCode(200).extract().path("id");
        try {
            expectHeadAnswersAsGet(CONTEXTS + "/" + id, 200);
        } finally {
            daemon.request().delete(CONTEXTS + "/" + id).then().statusCode(204);
        }
    }

    @Test
    void head_on_an_unknown_context_is_not_found() {
        expectHeadAnswersAsGet(CONTEXTS + "/no-such-context", 404);
    }

    @Test
    void head_on_an_unknown_path_is_not_found() {
        // No Content-Length comparison: the message names the method.
        Response head = daemon.request().head("/process/interpreter/run");
        assertEquals(404, head.statusCode());
        assertEquals("application/json", head.contentType());
        assertEquals("", head.asString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            HttpApi.EXECUTE_PATH + "|POST",
            CONTEXTS + "/no-such-context/restart|POST",
            "/mcp|POST, DELETE"})
    void head_where_get_is_not_served_is_method_not_allowed(String path, String allowed) {
        Response head = daemon.request().head(path);
        assertEquals(405, head.statusCode(), "HEAD " + path);
        assertEquals(allowed, head.header("Allow"), "Allow of HEAD " + path);
        assertEquals("", head.asString(), "body of HEAD " + path);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {CONTEXTS + "|GET, HEAD, POST", CONTEXTS + "/no-such-context|GET, HEAD, DELETE"})
    void a_wrong_method_on_a_context_path_names_head_among_the_allowed(String path, String allowed) {
        daemon.request().put(path).then().statusCode(405).header("Allow", allowed);
    }

    private static void expectHeadAnswersAsGet(String path, int status) {
        Response get = daemon.request().get(path);
        Response head = daemon.request().head(path);
        assertEquals(status, get.statusCode(), "GET " + path);
        assertEquals(status, head.statusCode(), "HEAD " + path);
        for (String name : SAME_HEADERS) {
            assertEquals(get.header(name), head.header(name), name + " of HEAD " + path);
        }
        assertEquals("", head.asString(), "body of HEAD " + path);
    }
}
