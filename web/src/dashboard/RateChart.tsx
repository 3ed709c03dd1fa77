import { useEffect, useRef } from "react";
import uPlot from "uplot";
import type { Rates } from "./rates";

/** Messages and deliveries per second over the dashboard's window, drawn with uPlot. */
export function RateChart({ series }: { series: readonly Rates[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height: 220,
      scales: { x: { time: true } },
      axes: [{}, { label: "per second" }],
      series: [
        {},
        { label: "messages/s", stroke: "#2563eb", width: 2 },
        { label: "deliveries/s", stroke: "#16a34a", width: 2 },
      ],
    };
    const p = new uPlot(opts, [[], [], []], el);
    plot.current = p;
    const resize = new ResizeObserver(() => p.setSize({ width: el.clientWidth || 600, height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      p.destroy();
      plot.current = undefined;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData([
      series.map((r) => r.at / 1000),
      series.map((r) => r.messagesPerSecond),
      series.map((r) => r.deliveriesPerSecond),
    ]);
  }, [series]);

  return <div ref={box} className="chart" role="img" aria-label="Messages and deliveries per second" data-testid="rate-chart" />;
}
