namespace Parley.Peers.SignalRHub;

internal static class Program
{
    private const int DefaultPort = 5200;

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

        builder.Services.AddSignalR(options =>
        {
            options.MaximumReceiveMessageSize = 1024 * 1024;
        });

        var app = builder.Build();
        app.MapHub<RoomHub>("/hub");

        await app.StartAsync();

        // The bound addresses, with the real port when 0 was asked for; tests and scripts wait for this line.
        foreach (var address in app.Urls)
        {
            Console.WriteLine($"listening {address}");
        }

        await app.WaitForShutdownAsync();
    }
}
