import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

// One bar per day. The numbers are also in the table beside it, for screen readers.
export function drawDailyCalls(canvas: HTMLCanvasElement, days: string[], calls: number[]): Chart {
  return new Chart(canvas, {
    type: "bar",
    data: { labels: days, datasets: [{ label: "Tool calls", data: calls, backgroundColor: "#1d5fbf" }] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}
