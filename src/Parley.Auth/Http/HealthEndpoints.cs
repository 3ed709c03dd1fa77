using Parley.Auth.Store;

namespace Parley.Auth.Http;

/// <summary>Liveness and readiness for load balancers.</summary>
internal static class HealthEndpoints
{
    /// <summary>How long readiness waits for the store before calling it down.</summary>
    private static readonly TimeSpan StoreCheckTimeout = TimeSpan.FromSeconds(2);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz/live", () => Results.Text("ok"));
        app.MapGet("/healthz/ready", async (IAuthStore store) =>
        {
            using var timeout = new CancellationTokenSource(StoreCheckTimeout);
            try
            {
                await store.PingAsync(timeout.Token);
                return Results.Text("ok");
            }
            catch (Exception e) when (e is System.Data.Common.DbException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
            {
                return Results.Text("store down", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
    }
}
