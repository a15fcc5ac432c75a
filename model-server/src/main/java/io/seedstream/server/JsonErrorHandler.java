package io.seedstream.server;

import com.google.gson.Gson;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * The errors Jetty answers itself, before any route (a URI it refuses, such as {@code /..%2f..}), as
 * the API's other errors are: {@code {"error": reason}} instead of an HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {

    private static final Gson GSON = new Gson();

    @Override
    public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        int status = response.getStatus();
        Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(body(status, message == null ? null : message.toString()));
        baseRequest.setHandled(true);
    }

    /** Malformed requests that never reach a servlet (bad URIs, bad headers). */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason).getBytes(StandardCharsets.UTF_8));
    }

    static String body(int status, String reason) {
        String text = reason == null || reason.isBlank() ? HttpStatus.getMessage(status) : reason;
        return GSON.toJson(Map.of("error", "request refused (" + status + "): " + text));
    }
}
