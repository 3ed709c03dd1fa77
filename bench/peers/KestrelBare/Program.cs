namespace Parley.Peers.KestrelBare;

internal static class Program
{
    private const int DefaultPort = 5100;

    public static async Task Main(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        // Loopback only: --urls when given, else PORT, else the default port.
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            var port = int.TryParse(Environment.GetEnvironmentVariable("PORT"), out var p) ? p : DefaultPort;
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }

        var app = builder.Build();
        var rooms = new RoomTable();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Run(async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await new BareConnection(socket, rooms).RunAsync(context.RequestAborted);
        });

        await app.StartAsync();
        // The bound addresses, with the real port when 0 was asked for; tests and scripts wait for this line.
        foreach (var address in app.Urls)
        {
            Console.WriteLine($"listening {address}");
        }

        await app.WaitForShutdownAsync();
    }
}
