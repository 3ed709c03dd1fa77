using System.Text.Json;

namespace Parley.Node.Http;

/// <summary>Every HTTP error body: <c>{"error":{"code":"…","message":"…"}}</c>, codes as in docs/protocol.md.</summary>
internal static class HttpErrors
{
    public static async Task WriteAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("code"u8, code);
        writer.WriteString("message"u8, message);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static IResult Result(int status, string code, string message)
        => Results.Json(new ErrorBody(new ErrorDetail(code, message)), statusCode: status);

    /// <summary>Declares that an endpoint answers each of <paramref name="statuses"/> with the error body, for the OpenAPI document.</summary>
    public static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.Produces<ErrorBody>(status, "application/json");
        }

        return builder;
    }

    public sealed record ErrorBody(ErrorDetail Error);

    public sealed record ErrorDetail(string Code, string Message);
}
