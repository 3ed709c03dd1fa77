using System.Data.Common;

namespace Parley.Auth.Hosting;

/// <summary>
/// Turns a fault into the API's error body: 503 <c>store_unavailable</c> when the store failed
/// (the request may be retried), 500 <c>internal</c> otherwise. Nothing of the fault reaches the client.
/// </summary>
internal static class ErrorHandling
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Parley.Auth.Http");
            var storeFailed = e is DbException or TimeoutException;
            if (storeFailed)
            {
                AuthServiceLog.StoreFailed(logger, context.Request.Path, e);
            }
            else
            {
                AuthServiceLog.RequestFailed(logger, context.Request.Path, e);
            }

            context.Response.Clear();
            var result = storeFailed
                ? Http.AuthErrors.Result(StatusCodes.Status503ServiceUnavailable, Http.AuthErrors.StoreUnavailable, "The auth store is unavailable; retry later.")
                : Http.AuthErrors.Result(StatusCodes.Status500InternalServerError, Http.AuthErrors.Internal, "An unexpected fault; the request may be retried.");
            await result.ExecuteAsync(context);
        }
    }
}
